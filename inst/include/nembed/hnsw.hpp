// Approximate kNN with hnswlib's index: a batch-parallel build that gives the same graph for any
// thread count, and multi-threaded queries.
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
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/knn.hpp"
#include "nembed/parallel.hpp"
#include "nembed/sqdist.hpp"

namespace nembed {

struct HnswParams {
  std::size_t M = 16;
  std::size_t ef_construction = 80;
  std::size_t ef = 0;  // 0: chosen from k
  std::size_t seed = 100;
  Simd simd = best_simd();  // the distances' vector path (sqdist.hpp; tests: every path, same graph)
};

namespace detail {

using HnswIndex = hnswlib::HierarchicalNSW<float>;

// hnswlib's space interface with nembed's squared distances (sqdist.hpp), whose bits do not
// depend on the vector path, where hnswlib's L2Space fixes its instructions at compile time.
class HnswL2Space : public hnswlib::SpaceInterface<float> {
 public:
  HnswL2Space(std::size_t dim, Simd simd) : param_{dim, sqdist_f32(usable_simd(simd))} {}
  std::size_t get_data_size() override { return param_.dim * sizeof(float); }
  hnswlib::DISTFUNC<float> get_dist_func() override { return &dist; }
  void* get_dist_func_param() override { return &param_; }

 private:
  struct Param {
    std::size_t dim;
    SqdistF32 fn;
  };
  static float dist(const void* a, const void* b, const void* param) {
    const Param* p = static_cast<const Param*>(param);
    return p->fn(static_cast<const float*>(a), static_cast<const float*>(b), p->dim);
  }
  Param param_;
};

// A candidate neighbour while building: float distance (hnswlib's), then internal id, so that
// sorting breaks ties the same way on every run.
struct HnswCand {
  float d;
  unsigned id;
  bool operator<(const HnswCand& o) const { return d < o.d || (d == o.d && id < o.id); }
};

inline float hnsw_dist(const HnswIndex& h, unsigned a, unsigned b) {
  return h.fstdistfunc_(h.getDataByInternalId(a), h.getDataByInternalId(b), h.dist_func_param_);
}

inline hnswlib::linklistsizeint* hnsw_links(const HnswIndex& h, unsigned c, int level) {
  return level == 0 ? h.get_linklist0(c) : h.get_linklist(c, level);
}

// hnswlib's neighbour heuristic (getNeighborsByHeuristic2) on candidates sorted by distance:
// fewer than M candidates are all kept; otherwise a candidate is kept, nearest first, unless a
// kept one is closer to it than the new point is, up to M.
inline void hnsw_select(const HnswIndex& h, const std::vector<HnswCand>& cands, std::size_t M,
                        std::vector<unsigned>& out) {
  out.clear();
  if (cands.size() < M) {
    for (const HnswCand& c : cands) out.push_back(c.id);
    return;
  }
  for (const HnswCand& c : cands) {
    if (out.size() >= M) break;
    bool keep = true;
    for (unsigned r : out)
      if (hnsw_dist(h, r, c.id) < c.d) {
        keep = false;
        break;
      }
    if (keep) out.push_back(c.id);
  }
}

// Element c's storage as hnswlib's addPoint lays it out (label = internal id), with no links yet.
inline void hnsw_setup_element(HnswIndex& h, unsigned c, const float* x, int level) {
  h.label_lookup_[c] = c;
  h.element_levels_[c] = level;
  std::memset(h.data_level0_memory_ + c * h.size_data_per_element_ + h.offsetLevel0_, 0,
              h.size_data_per_element_);
  h.setExternalLabel(c, c);
  std::memcpy(h.getDataByInternalId(c), x, h.data_size_);
  if (level > 0) {
    const std::size_t bytes = h.size_links_per_element_ * level + 1;
    h.linkLists_[c] = static_cast<char*>(std::malloc(bytes));
    if (!h.linkLists_[c]) throw std::bad_alloc();
    std::memset(h.linkLists_[c], 0, bytes);
  }
  h.cur_element_count = c + 1;  // the destructor frees the link lists of the first count elements
}

}  // namespace detail

// Builds the HNSW index of the n columns of `data` in batches of a fixed size, so that the graph
// is the same for a seed whatever the thread count, and the build still runs in parallel.
// hnswlib's concurrent addPoint links points in whatever order the threads reach them (a
// different graph on every run); its serial addPoint is deterministic but single-threaded. Here
// each batch of points (i) searches, in parallel, the index as it stood before the batch (the
// same greedy descent and beam search of ef_construction as addPoint), (ii) adds the earlier
// points of its own batch as exact candidates (a serial build would have found them by search),
// (iii) picks its neighbours with hnswlib's heuristic, and (iv) the reverse links are made per
// target node in insertion order, pruning full lists with the same heuristic, targets in parallel.
// Levels are drawn from hnswlib's seeded generator in point order, as a serial build draws them.
template <class Exec>
void hnsw_build(detail::HnswIndex& h, const Eigen::MatrixXf& data, const Exec& exec,
                Control& control) {
  using detail::HnswCand;
  const std::size_t n = data.cols();
  if (n == 0) return;
  const std::size_t batch = 256;
  std::vector<int> level(n);
  for (std::size_t i = 0; i < n; ++i) level[i] = h.getRandomLevel(h.mult_);

  detail::hnsw_setup_element(h, 0, data.col(0).data(), level[0]);
  h.enterpoint_node_ = 0;
  h.maxlevel_ = level[0];

  // Per batch point: its chosen neighbours at each of its levels (flattened, with offsets).
  std::vector<std::vector<unsigned>> chosen(batch);
  std::vector<std::vector<std::size_t>> chosen_start(batch);
  struct BackLink {
    unsigned target;
    int level;
    unsigned from;
    bool operator<(const BackLink& o) const {
      if (target != o.target) return target < o.target;
      if (level != o.level) return level < o.level;
      return from < o.from;
    }
  };
  std::vector<BackLink> back;
  std::vector<std::size_t> group_start;

  for (std::size_t b0 = 1; b0 < n; b0 += batch) {
    const std::size_t b1 = std::min(n, b0 + batch), nb = b1 - b0;
    for (std::size_t i = b0; i < b1; ++i)
      detail::hnsw_setup_element(h, static_cast<unsigned>(i), data.col(i).data(), level[i]);
    const unsigned ep = h.enterpoint_node_;
    const int top = h.maxlevel_;

    // (i)-(iii): read-only on the links, so the points of the batch are independent.
    exec.parallel_for(0, nb, [&](std::size_t a0, std::size_t a1) {
      std::vector<HnswCand> cands;
      std::vector<float> dbatch;
      for (std::size_t a = a0; a < a1; ++a) {
        const unsigned i = static_cast<unsigned>(b0 + a);
        const int li = level[i];
        const void* x = h.getDataByInternalId(i);
        dbatch.resize(a);
        for (std::size_t e = 0; e < a; ++e) dbatch[e] = detail::hnsw_dist(h, i, static_cast<unsigned>(b0 + e));
        std::vector<unsigned>& out = chosen[a];
        std::vector<std::size_t>& start = chosen_start[a];
        out.clear();
        start.assign(li + 2, 0);
        unsigned cur = ep;
        float curd = h.fstdistfunc_(x, h.getDataByInternalId(cur), h.dist_func_param_);
        for (int lev = top; lev > li; --lev) {
          for (bool changed = true; changed;) {
            changed = false;
            hnswlib::linklistsizeint* ll = h.get_linklist(cur, lev);
            const int sz = h.getListCount(ll);
            const hnswlib::tableint* nb_ids = reinterpret_cast<const hnswlib::tableint*>(ll + 1);
            for (int j = 0; j < sz; ++j) {
              const float d = h.fstdistfunc_(x, h.getDataByInternalId(nb_ids[j]), h.dist_func_param_);
              if (d < curd) {
                curd = d;
                cur = nb_ids[j];
                changed = true;
              }
            }
          }
        }
        // Levels from the top down, as addPoint; stored bottom-up by start[lev].
        std::vector<std::vector<unsigned>> per_level(li + 1);
        for (int lev = li; lev >= 0; --lev) {
          cands.clear();
          if (lev <= top) {
            auto pq = h.searchBaseLayer(cur, x, lev);
            while (!pq.empty()) {
              cands.push_back({pq.top().first, static_cast<unsigned>(pq.top().second)});
              pq.pop();
            }
            // The next level's search starts at the nearest indexed point (not at a point of
            // this batch, which has no links yet).
            if (!cands.empty()) cur = std::min_element(cands.begin(), cands.end())->id;
          }
          for (std::size_t e = 0; e < a; ++e)
            if (level[b0 + e] >= lev) cands.push_back({dbatch[e], static_cast<unsigned>(b0 + e)});
          std::sort(cands.begin(), cands.end());
          if (cands.size() > h.ef_construction_) cands.resize(h.ef_construction_);
          detail::hnsw_select(h, cands, h.M_, per_level[lev]);
        }
        for (int lev = 0; lev <= li; ++lev) {
          start[lev] = out.size();
          out.insert(out.end(), per_level[lev].begin(), per_level[lev].end());
        }
        start[li + 1] = out.size();
      }
    }, 8);

    // (iv) Own links (each point writes only its own lists), then the reverse links grouped by
    // target and level, each group in insertion order.
    back.clear();
    for (std::size_t a = 0; a < nb; ++a) {
      const unsigned i = static_cast<unsigned>(b0 + a);
      for (int lev = 0; lev <= level[i]; ++lev) {
        hnswlib::linklistsizeint* ll = detail::hnsw_links(h, i, lev);
        const std::size_t s0 = chosen_start[a][lev], s1 = chosen_start[a][lev + 1];
        h.setListCount(ll, static_cast<unsigned short>(s1 - s0));
        hnswlib::tableint* ids = reinterpret_cast<hnswlib::tableint*>(ll + 1);
        for (std::size_t s = s0; s < s1; ++s) {
          ids[s - s0] = chosen[a][s];
          back.push_back({chosen[a][s], lev, i});
        }
      }
    }
    std::sort(back.begin(), back.end());
    group_start.clear();
    for (std::size_t g = 0; g < back.size(); ++g)
      if (g == 0 || back[g].target != back[g - 1].target || back[g].level != back[g - 1].level)
        group_start.push_back(g);
    group_start.push_back(back.size());
    exec.parallel_for(0, group_start.size() - 1, [&](std::size_t g0, std::size_t g1) {
      std::vector<HnswCand> cands;
      std::vector<unsigned> keep;
      for (std::size_t g = g0; g < g1; ++g) {
        const unsigned t = back[group_start[g]].target;
        const int lev = back[group_start[g]].level;
        const std::size_t cap = lev ? h.maxM_ : h.maxM0_;
        hnswlib::linklistsizeint* ll = detail::hnsw_links(h, t, lev);
        hnswlib::tableint* ids = reinterpret_cast<hnswlib::tableint*>(ll + 1);
        for (std::size_t s = group_start[g]; s < group_start[g + 1]; ++s) {
          const unsigned from = back[s].from;
          const std::size_t sz = h.getListCount(ll);
          if (sz < cap) {
            ids[sz] = from;
            h.setListCount(ll, static_cast<unsigned short>(sz + 1));
            continue;
          }
          cands.clear();
          cands.push_back({detail::hnsw_dist(h, from, t), from});
          for (std::size_t j = 0; j < sz; ++j) cands.push_back({detail::hnsw_dist(h, ids[j], t), ids[j]});
          std::sort(cands.begin(), cands.end());
          detail::hnsw_select(h, cands, cap, keep);
          for (std::size_t j = 0; j < keep.size(); ++j) ids[j] = keep[j];
          h.setListCount(ll, static_cast<unsigned short>(keep.size()));
        }
      }
    }, 16);

    for (std::size_t i = b0; i < b1; ++i)
      if (level[i] > h.maxlevel_) {
        h.enterpoint_node_ = static_cast<unsigned>(i);
        h.maxlevel_ = level[i];
      }
    control.check();
  }
}

// kNN graph of the columns of `pts` (p x n, already prepared for the metric): the index built by
// hnsw_build (the same graph for a seed whatever the thread count), then parallel queries.
template <class Exec>
KnnResult hnsw_knn(const Eigen::MatrixXd& pts, std::size_t k, Metric metric,
                   const HnswParams& par, const Exec& exec, Control& control) {
  const std::size_t n = pts.cols(), p = pts.rows();
  Eigen::MatrixXf data = pts.cast<float>();
  detail::HnswL2Space space(p, par.simd);
  const SqdistF64 sqdist = sqdist_f64(usable_simd(par.simd));
  auto index = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space, n, par.M,
                                                                   par.ef_construction, par.seed);
  hnsw_build(*index, data, exec, control);
  const std::size_t batch = 4096;
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
            const double d2 = sqdist(pts.col(i).data(), pts.col(top.second).data(), p);
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
