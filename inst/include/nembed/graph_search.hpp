// Approximate k nearest reference points of new points by best-first search on the reference
// points' own kNN graph (as pynndescent's query, which umap-learn's transform uses, and HNSW's
// bottom layer): the graph every embedding already holds serves as the search index, so placing
// new points needs no index build and no brute-force pass over all reference points.
//
// Each query starts from a fixed, evenly spaced sample of reference points (no random draws, so the
// result does not depend on a seed or on the number of threads), keeps the ef closest points seen,
// and repeatedly expands the closest unexpanded one through its graph neighbours until no
// unexpanded point is closer than the ef-th. The search compares single-precision distances
// (sqdist.hpp, the HNSW search's, the same bits on every vector path); the ef points kept are then
// re-ranked by their exact double-precision distances, so the neighbours returned carry exact
// distances and only some may be missed.
#ifndef NEMBED_GRAPH_SEARCH_HPP
#define NEMBED_GRAPH_SEARCH_HPP

#include <Eigen/Dense>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/knn.hpp"
#include "nembed/parallel.hpp"
#include "nembed/simd.hpp"
#include "nembed/sqdist.hpp"

namespace nembed {

struct GraphSearchParams {
  std::size_t ef = 64;       // points kept during the search (at least k)
  std::size_t n_entry = 64;  // evenly spaced starting points (at least k)
  Simd simd = best_simd();   // the single-precision distances' vector path
};

// ref: d x n reference points (columns), query: d x m, graph: the reference points' neighbours
// (n rows, any symmetric or directed kNN graph; values unused). Metric preparation (cosine,
// correlation) must already have been applied to both, as for exact_knn_query.
template <class Exec>
KnnResult graph_knn_query(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& query,
                          const CsrGraph& graph, std::size_t k, const GraphSearchParams& par,
                          Metric metric, const Exec& exec, Control& control) {
  const std::size_t n = static_cast<std::size_t>(ref.cols()), m = static_cast<std::size_t>(query.cols());
  KnnResult res;
  res.n = m;
  res.k = k;
  res.idx.assign(m * k, -1);
  res.dist.assign(m * k, 0.0);
  const std::size_t ef = std::min(n, std::max(par.ef, k));
  const std::size_t n_entry = std::min(n, std::max(par.n_entry, k));
  std::vector<std::size_t> entry(n_entry);
  for (std::size_t e = 0; e < n_entry; ++e) entry[e] = e * n / n_entry;
  using detail::Cand;
  auto d2 = [&](std::size_t q, std::size_t r) { return (query.col(q) - ref.col(r)).squaredNorm(); };
  const Eigen::MatrixXf ref32 = ref.cast<float>(), query32 = query.cast<float>();
  const std::size_t dim = static_cast<std::size_t>(ref.rows());
  const SqdistF32 dist32 = sqdist_f32(usable_simd(par.simd));
  const std::size_t block = 256, nqb = n_blocks(m, block);
  const std::size_t batch = std::max<std::size_t>(1, 4 * exec.n_threads());
  for (std::size_t b0 = 0; b0 < nqb; b0 += batch) {
    const std::size_t b1 = std::min(nqb, b0 + batch);
    exec.parallel_for(b0, b1, [&](std::size_t bb0, std::size_t bb1) {
      std::vector<std::uint32_t> seen(n, 0);  // stamp of the query that last saw each point
      std::uint32_t stamp = 0;
      detail::TopK best(ef);  // the ef closest seen
      std::vector<Cand> todo;  // min-heap of the points to expand
      for (std::size_t q = bb0 * block; q < std::min(m, bb1 * block); ++q) {
        ++stamp;
        best.h.clear();
        todo.clear();
        auto offer = [&](std::size_t r) {
          if (seen[r] == stamp) return;
          seen[r] = stamp;
          const Cand c(dist32(query32.col(q).data(), ref32.col(r).data(), dim), static_cast<int>(r));
          if (!best.push(c.first, c.second)) return;
          todo.push_back(c);
          std::push_heap(todo.begin(), todo.end(), std::greater<Cand>());
        };
        for (std::size_t r : entry) offer(r);
        while (!todo.empty()) {
          std::pop_heap(todo.begin(), todo.end(), std::greater<Cand>());
          const Cand c = todo.back();
          todo.pop_back();
          if (best.h.size() == ef && best.h.front() < c) break;  // nothing closer left to expand
          const std::size_t r = static_cast<std::size_t>(c.second);
          for (std::size_t p = graph.ptr[r]; p < graph.ptr[r + 1]; ++p)
            offer(static_cast<std::size_t>(graph.idx[p]));
        }
        detail::write_reranked(q, best.h.data(), best.h.size(), d2, metric, res);
      }
    });
    control.check();
  }
  return res;
}

}  // namespace nembed

#endif
