// Approximate kNN with hnswlib: a build in one fixed order, multi-threaded queries.
#ifndef NEMBED_HNSW_HPP
#define NEMBED_HNSW_HPP

// Which hnswlib: the copy CRAN's RcppHNSW ships at the top of its include folder (LinkingTo puts
// that folder on the include path, so it is <hnswlib.h>), else the system's (<hnswlib/hnswlib.h>,
// e.g. Debian's libhnswlib-dev, for Debian's r-cran-rcpphnsw comes without the headers). Decided
// here with __has_include rather than in configure: the compiler searches exactly the include
// path R builds from LinkingTo, and Windows builds, which run no configure, get the same choice.
#if __has_include(<hnswlib.h>)
#include <ostream>
namespace nembed {
namespace detail {
// hnswlib >= 0.8 writes its one warning (M > 10000, which nembed never passes) to HNSWERR; a
// stream without a buffer discards it, so the library never references std::cerr.
inline std::ostream& hnsw_silent_stream() {
  static std::ostream s(nullptr);
  return s;
}
}  // namespace detail
}  // namespace nembed
#ifndef HNSWLIB_ERR_OVERRIDE
#define HNSWLIB_ERR_OVERRIDE nembed::detail::hnsw_silent_stream()
#endif
#include <hnswlib.h>
#elif __has_include(<hnswlib/hnswlib.h>)
#include <hnswlib/hnswlib.h>
#else
#error "hnswlib headers not found: install the RcppHNSW package from CRAN, or libhnswlib-dev on Debian/Ubuntu"
#endif

#include <Eigen/Dense>
#include <algorithm>
#include <memory>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/knn.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

struct HnswParams {
  std::size_t M = 16;
  std::size_t ef_construction = 80;
  std::size_t ef = 0;  // 0: chosen from k
  std::size_t seed = 100;
};

// kNN graph of the columns of `pts` (p x n, already prepared for the metric). The index is built
// on the calling thread: hnswlib's concurrent insertion links points in whatever order the
// threads reach them, so a parallel build gives a different graph on every run. Built in one
// order (and with hnswlib's level generator seeded), the index, and so the result, is the same for
// a given seed whatever the thread count; the queries, which only read the index, run in parallel.
template <class Exec>
KnnResult hnsw_knn(const Eigen::MatrixXd& pts, std::size_t k, Metric metric,
                   const HnswParams& par, const Exec& exec, Control& control) {
  const std::size_t n = pts.cols(), p = pts.rows();
  Eigen::MatrixXf data = pts.cast<float>();
  hnswlib::L2Space space(p);
  auto index = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, n, par.M,
                                                                   par.ef_construction, par.seed);
  const std::size_t batch = 4096;
  for (std::size_t b0 = 0; b0 < n; b0 += batch) {
    const std::size_t b1 = std::min(n, b0 + batch);
    for (std::size_t i = b0; i < b1; ++i) index->addPoint(data.col(i).data(), i);
    control.check();
  }
  const std::size_t ef = par.ef > 0 ? par.ef : k + 40;
  index->setEf(std::max(ef, k + 1));

  KnnResult res;
  res.n = n;
  res.k = k;
  res.idx.assign(n * k, -1);
  res.dist.assign(n * k, 0.0);
  for (std::size_t b0 = 0; b0 < n; b0 += batch) {
    const std::size_t b1 = std::min(n, b0 + batch);
    exec.parallel_for(b0, b1, [&](std::size_t i0, std::size_t i1) {
      std::vector<detail::Cand> c;
      for (std::size_t i = i0; i < i1; ++i) {
        auto pq = index->searchKnn(data.col(i).data(), k + 1);
        c.clear();
        while (!pq.empty()) {
          const auto& top = pq.top();
          if (top.second != i) {
            // Recompute in double: float distances would spoil ties and duplicates.
            const double d2 = (pts.col(i) - pts.col(top.second)).squaredNorm();
            c.emplace_back(d2, static_cast<int>(top.second));
          }
          pq.pop();
        }
        std::sort(c.begin(), c.end());
        for (std::size_t j = 0; j < k && j < c.size(); ++j) {
          res.idx[i * k + j] = c[j].second;
          res.dist[i * k + j] = metric_distance(c[j].first, metric);
        }
        // If HNSW returned too few (tiny or degenerate data), fill by repeating the last hit.
        for (std::size_t j = c.size(); j < k && !c.empty(); ++j) {
          res.idx[i * k + j] = c.back().second;
          res.dist[i * k + j] = metric_distance(c.back().first, metric);
        }
      }
    }, 64);
    control.check();
  }
  return res;
}

}  // namespace nembed

#endif
