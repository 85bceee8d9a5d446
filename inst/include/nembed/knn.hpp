// k-nearest-neighbour search: exact blocked brute force (the reference), an exact k-d tree for
// up to 3 dimensions, and HNSW (approximate, hnsw.hpp).
//
// Points are columns of a column-major p x n matrix (each point contiguous). Results are row-major
// n x k arrays of 0-based indices and distances, sorted by (distance, index); a point is never its
// own neighbour (excluded by index, so exact duplicates are neighbours at distance 0).
#ifndef NEMBED_KNN_HPP
#define NEMBED_KNN_HPP

#include <Eigen/Dense>
#include <Eigen/Sparse>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <utility>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

struct KnnResult {
  std::size_t n = 0, k = 0;
  std::vector<int> idx;      // n * k, row-major, 0-based
  std::vector<double> dist;  // n * k, row-major
};

enum class Metric { euclidean, cosine, correlation };
inline constexpr std::pair<const char*, Metric> metric_names[] = {
    {"euclidean", Metric::euclidean}, {"cosine", Metric::cosine}, {"correlation", Metric::correlation}};

// Exact search (brute force or k-d tree, chosen by dimension) or approximate (HNSW, hnsw.hpp).
enum class KnnMethod { exact, hnsw };
inline constexpr std::pair<const char*, KnnMethod> knn_method_names[] = {
    {"exact", KnnMethod::exact}, {"hnsw", KnnMethod::hnsw}};

struct KnnParams {
  int k = 15;
  Metric metric = Metric::euclidean;
  KnnMethod method = KnnMethod::exact;
};

// Cosine and correlation become Euclidean on transformed points (unit rows; centred first for
// correlation), with the distance reported as 1 - similarity = d^2 / 2.
inline void prepare_for_metric(Eigen::MatrixXd& pts, Metric metric) {
  if (metric == Metric::euclidean) return;
  for (Eigen::Index j = 0; j < pts.cols(); ++j) {
    auto c = pts.col(j);
    if (metric == Metric::correlation) c.array() -= c.mean();
    const double nrm = c.norm();
    if (nrm > 0) c /= nrm;
  }
}

inline double metric_distance(double d2, Metric metric) {
  d2 = std::max(0.0, d2);
  return metric == Metric::euclidean ? std::sqrt(d2) : 0.5 * d2;
}

namespace detail {

using Cand = std::pair<double, int>;  // (squared distance, index); lexicographic order breaks ties

// Bounded max-heap of the k best candidates.
struct TopK {
  std::vector<Cand> h;
  std::size_t k;
  explicit TopK(std::size_t k_) : k(k_) { h.reserve(k_); }
  double worst() const {
    return h.size() < k ? std::numeric_limits<double>::infinity() : h.front().first;
  }
  // Whether (d, j) was admitted among the k best.
  bool push(double d, int j) {
    if (h.size() < k) {
      h.emplace_back(d, j);
      std::push_heap(h.begin(), h.end());
    } else if (Cand(d, j) < h.front()) {
      std::pop_heap(h.begin(), h.end());
      h.back() = Cand(d, j);
      std::push_heap(h.begin(), h.end());
    } else {
      return false;
    }
    return true;
  }
};

// The `keep` best candidates of each of n points, offered in any order and from several threads
// (one point's offers under one lock). A point keeps its offers below its bound in a buffer of
// 2 keep; a full buffer is cut to its keep best (nth_element) and the bound becomes the keep-th's
// distance. That costs O(1) per admitted offer where a heap costs two sifts. What is kept is the
// keep smallest (distance, index) pairs offered, whatever their order (ties at the bound are
// admitted), so the result does not depend on the threads' timing.
class CandidateLists {
 public:
  CandidateLists(std::size_t n, std::size_t keep)
      : keep_(keep), cap_(2 * keep), data_(n * cap_), size_(n, 0),
        bound_(n, std::numeric_limits<double>::infinity()) {}
  double bound(std::size_t i) const { return bound_[i]; }
  void offer(std::size_t i, double d2, int j) {
    Cand* b = &data_[i * cap_];
    b[size_[i]++] = Cand(d2, j);
    if (size_[i] == cap_) {
      std::nth_element(b, b + keep_ - 1, b + cap_);
      size_[i] = keep_;
      bound_[i] = b[keep_ - 1].first;
    }
  }
  // Point i's best min(keep, offered) candidates, in no particular order.
  std::pair<Cand*, std::size_t> best(std::size_t i) {
    Cand* b = &data_[i * cap_];
    if (size_[i] > keep_) {
      std::nth_element(b, b + keep_ - 1, b + size_[i]);
      size_[i] = keep_;
    }
    return {b, size_[i]};
  }

 private:
  std::size_t keep_, cap_;
  std::vector<Cand> data_;
  std::vector<std::size_t> size_;
  std::vector<double> bound_;
};

// Query q's final neighbours from its m candidates c (reordered in place): each distance recomputed
// accurately by exact_d2(q, j) (duplicates at exactly 0; near-ties not spoiled by the Gram
// expansion's cancellation), sorted by (distance, index), the first res.k written to row q.
template <class ExactD2>
void write_reranked(std::size_t q, Cand* c, std::size_t m, const ExactD2& exact_d2, Metric metric,
                    KnnResult& res) {
  for (std::size_t j = 0; j < m; ++j)
    c[j].first = std::max(0.0, exact_d2(q, static_cast<std::size_t>(c[j].second)));
  std::sort(c, c + m);
  const std::size_t k = res.k;
  for (std::size_t j = 0; j < k && j < m; ++j) {
    res.idx[q * k + j] = c[j].second;
    res.dist[q * k + j] = metric_distance(c[j].first, metric);
  }
}

}  // namespace detail

// Exact kNN of n points among themselves from inner products, using their symmetry: the Gram
// tile of blocks (Q, R) serves Q's points as queries and R's as well, so only the tiles with
// Q <= R are computed (half the multiplications of brute_force_knn). Tiles run in parallel and
// offer their candidates to CandidateLists under one lock per block; the lists' result does not
// depend on the order of the offers, so neither does the answer (any thread count, any timing).
// Memory: 2 (k + 4) candidates per point (30 MB at 10,000 points and k = 90); callers fall back
// to brute_force_knn beyond kSymmetricKnnMaxBytes. `gram`, `exact_d2`: as for brute_force_knn.
inline constexpr std::size_t kSymmetricKnnMaxBytes = std::size_t(256) << 20;
inline bool symmetric_knn_fits(std::size_t n, std::size_t k) {
  return n * 2 * (k + 4) * sizeof(detail::Cand) <= kSymmetricKnnMaxBytes;
}

template <class Exec, class Gram, class ExactD2>
KnnResult brute_force_knn_self(std::size_t n, std::size_t k, const std::vector<double>& norm2,
                               Gram gram, ExactD2 exact_d2, Metric metric, const Exec& exec,
                               Control& control) {
  KnnResult res;
  res.n = n;
  res.k = k;
  res.idx.assign(n * k, -1);
  res.dist.assign(n * k, 0.0);
  if (n < 2) return res;
  const std::size_t block = 256, nb = n_blocks(n, block);
  const std::size_t keep = std::min<std::size_t>(n - 1, k + 4);
  detail::CandidateLists lists(n, keep);
  // Tiles by diagonal (R - Q = 0, 1, ...): neighbouring tasks rarely share a block's lock.
  std::vector<std::pair<std::size_t, std::size_t>> tiles;
  tiles.reserve(nb * (nb + 1) / 2);
  for (std::size_t d = 0; d < nb; ++d)
    for (std::size_t b = 0; b + d < nb; ++b) tiles.emplace_back(b, b + d);
  std::unique_ptr<std::mutex[]> locks(new std::mutex[nb]);
  const std::size_t batch = std::max<std::size_t>(8, 8 * static_cast<std::size_t>(exec.n_threads()));
  for (std::size_t t0 = 0; t0 < tiles.size(); t0 += batch) {
    const std::size_t t1 = std::min(tiles.size(), t0 + batch);
    exec.parallel_for(t0, t1, [&](std::size_t s, std::size_t e) {
      Eigen::MatrixXd g;
      for (std::size_t t = s; t < e; ++t) {
        const std::size_t q0 = tiles[t].first * block, q1 = std::min(n, q0 + block);
        const std::size_t r0 = tiles[t].second * block, r1 = std::min(n, r0 + block);
        gram(q0, q1, r0, r1, g);  // g(r - r0, q - q0) = <x_r, x_q>
        const std::size_t rows = r1 - r0;
        {  // Q's points as queries
          std::lock_guard<std::mutex> lock(locks[tiles[t].first]);
          for (std::size_t q = q0; q < q1; ++q) {
            const double* col = g.data() + (q - q0) * rows;
            const double qn = norm2[q];
            double bound = lists.bound(q);
            for (std::size_t r = r0; r < r1; ++r) {
              const double d2 = qn + norm2[r] - 2.0 * col[r - r0];
              if (d2 <= bound && r != q) {
                lists.offer(q, d2, static_cast<int>(r));
                bound = lists.bound(q);
              }
            }
          }
        }
        if (r0 == q0) continue;
        {  // R's points as queries, from the same inner products
          std::lock_guard<std::mutex> lock(locks[tiles[t].second]);
          for (std::size_t q = q0; q < q1; ++q) {
            const double* col = g.data() + (q - q0) * rows;
            const double qn = norm2[q];
            for (std::size_t r = r0; r < r1; ++r) {
              const double d2 = qn + norm2[r] - 2.0 * col[r - r0];
              if (d2 <= lists.bound(r)) lists.offer(r, d2, static_cast<int>(q));
            }
          }
        }
      }
    });
    control.check();
  }
  exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      auto [c, m] = lists.best(i);
      detail::write_reranked(i, c, m, exact_d2, metric, res);
    }
  }, 64);
  return res;
}

// Generic blocked brute force. `gram(q0, q1, r0, r1, out)` fills `out` ((r1-r0) x (q1-q0)) with
// inner products; `exact_d2(q, r)` recomputes one squared distance accurately for the final
// neighbours (so duplicates come out at exactly 0 and the order is not spoiled by cancellation).
template <class Exec, class Gram, class ExactD2>
KnnResult brute_force_knn(std::size_t n_query, std::size_t n_ref, std::size_t k,
                          const std::vector<double>& q_norm2, const std::vector<double>& r_norm2,
                          Gram gram, ExactD2 exact_d2, bool exclude_self, Metric metric,
                          const Exec& exec, Control& control) {
  KnnResult res;
  res.n = n_query;
  res.k = k;
  res.idx.assign(n_query * k, -1);
  res.dist.assign(n_query * k, 0.0);
  const std::size_t qblock = 128, rblock = 2048;
  // Keep a few spare candidates so the accurate re-ranking can fix near-ties.
  const std::size_t keep = std::min<std::size_t>(n_ref - (exclude_self ? 1 : 0), k + 4);
  const std::size_t nqb = n_blocks(n_query, qblock);
  const std::size_t batch = std::max<std::size_t>(1, 2 * exec.n_threads());
  for (std::size_t b0 = 0; b0 < nqb; b0 += batch) {
    const std::size_t b1 = std::min(nqb, b0 + batch);
    exec.parallel_for(b0, b1, [&](std::size_t bb0, std::size_t bb1) {
      Eigen::MatrixXd g;
      std::vector<detail::TopK> tops;
      for (std::size_t qb = bb0; qb < bb1; ++qb) {
        const std::size_t q0 = qb * qblock, q1 = std::min(n_query, q0 + qblock), nq = q1 - q0;
        tops.assign(nq, detail::TopK(keep));
        for (std::size_t r0 = 0; r0 < n_ref; r0 += rblock) {
          const std::size_t r1 = std::min(n_ref, r0 + rblock);
          gram(q0, q1, r0, r1, g);
          for (std::size_t a = 0; a < nq; ++a) {
            const std::size_t q = q0 + a;
            detail::TopK& t = tops[a];
            const double qn = q_norm2[q];
            const double* col = g.data() + a * g.rows();
            double worst = t.worst();
            for (std::size_t r = r0; r < r1; ++r) {
              const double d2 = qn + r_norm2[r] - 2.0 * col[r - r0];
              if (d2 <= worst) {
                if (exclude_self && r == q) continue;
                t.push(d2, static_cast<int>(r));
                worst = t.worst();
              }
            }
          }
        }
        for (std::size_t a = 0; a < nq; ++a) {
          const std::size_t q = q0 + a;
          std::vector<detail::Cand>& h = tops[a].h;
          detail::write_reranked(q, h.data(), h.size(), exact_d2, metric, res);
        }
      }
    });
    control.check();
  }
  return res;
}

// Exact kNN for low-dimensional points (embeddings: 1 to 3 coordinates) with a k-d tree.
// The quality measures (kNN accuracy and recall of an embedding) need exact neighbours in 2-D for
// every point; brute force costs n^2 (a minute at 70,000 points, hours at a million), a k-d tree
// n log n. Same contract as the brute force: neighbours sorted by (squared distance, index), self
// excluded by index, so both give the same answer, ties included (a subtree is skipped only when
// it is strictly farther than the current k-th candidate).
class KdTree {
 public:
  // `pts`: p x n, points as columns (kept by reference: it must outlive the tree).
  explicit KdTree(const Eigen::MatrixXd& pts) : pts_(pts), p_(pts.rows()) {
    perm_.resize(pts.cols());
    std::iota(perm_.begin(), perm_.end(), 0);
    nodes_.reserve(2 * pts.cols() / kLeaf + 2);
    if (pts.cols() > 0) build(0, perm_.size());
  }

  // The k nearest points to x (p values) in order, skipping index `self` (-1: none).
  void query(const double* x, std::size_t k, int self, detail::TopK& top) const {
    top.h.clear();
    top.k = k;
    if (!nodes_.empty()) search(0, x, self, top);
  }

  static constexpr Eigen::Index kMaxDim = 3;

 private:
  static constexpr std::size_t kLeaf = 12;
  struct Node {
    std::size_t begin, end;
    int dim = -1;  // -1: leaf
    double split = 0;
    int left = -1, right = -1;
    double lo[kMaxDim], hi[kMaxDim];  // bounding box
  };

  int build(std::size_t b, std::size_t e) {
    const int id = static_cast<int>(nodes_.size());
    nodes_.emplace_back();
    Node nd;
    nd.begin = b;
    nd.end = e;
    for (Eigen::Index c = 0; c < p_; ++c) {
      nd.lo[c] = nd.hi[c] = pts_(c, perm_[b]);
      for (std::size_t t = b + 1; t < e; ++t) {
        const double v = pts_(c, perm_[t]);
        nd.lo[c] = std::min(nd.lo[c], v);
        nd.hi[c] = std::max(nd.hi[c], v);
      }
    }
    if (e - b > kLeaf) {
      int dim = 0;
      for (Eigen::Index c = 1; c < p_; ++c)
        if (nd.hi[c] - nd.lo[c] > nd.hi[dim] - nd.lo[dim]) dim = static_cast<int>(c);
      if (nd.hi[dim] > nd.lo[dim]) {
        const std::size_t m = b + (e - b) / 2;
        std::nth_element(perm_.begin() + b, perm_.begin() + m, perm_.begin() + e,
                         [&](int u, int v) { return pts_(dim, u) < pts_(dim, v); });
        nd.dim = dim;
        nd.split = pts_(dim, perm_[m]);
        nd.left = build(b, m);
        nd.right = build(m, e);
      }
    }
    nodes_[id] = nd;
    return id;
  }

  double box_d2(const Node& nd, const double* x) const {
    double s = 0;
    for (Eigen::Index c = 0; c < p_; ++c) {
      const double d = x[c] < nd.lo[c] ? nd.lo[c] - x[c] : (x[c] > nd.hi[c] ? x[c] - nd.hi[c] : 0.0);
      s += d * d;
    }
    return s;
  }

  void search(int id, const double* x, int self, detail::TopK& top) const {
    const Node& nd = nodes_[id];
    if (nd.dim < 0) {
      for (std::size_t t = nd.begin; t < nd.end; ++t) {
        const int j = perm_[t];
        if (j == self) continue;
        double d2 = 0;
        for (Eigen::Index c = 0; c < p_; ++c) {
          const double d = x[c] - pts_(c, j);
          d2 += d * d;
        }
        if (d2 <= top.worst()) top.push(d2, j);
      }
      return;
    }
    // Nearer child first; the farther one only if its box can still hold a candidate.
    const bool go_left = x[nd.dim] < nd.split;
    const int first = go_left ? nd.left : nd.right, second = go_left ? nd.right : nd.left;
    if (box_d2(nodes_[first], x) <= top.worst()) search(first, x, self, top);
    if (box_d2(nodes_[second], x) <= top.worst()) search(second, x, self, top);
  }

  const Eigen::MatrixXd& pts_;
  Eigen::Index p_;
  std::vector<int> perm_;
  std::vector<Node> nodes_;
};

// kNN of the columns of `query` among those of `ref` (p <= 3) through a k-d tree on `ref`;
// `exclude_self`: query i is ref i and is not its own neighbour.
template <class Exec>
KnnResult kdtree_knn(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& query, std::size_t k,
                     bool exclude_self, Metric metric, const Exec& exec, Control& control) {
  const KdTree tree(ref);
  KnnResult res;
  res.n = query.cols();
  res.k = k;
  res.idx.assign(res.n * k, -1);
  res.dist.assign(res.n * k, 0.0);
  const std::size_t block = 4096;
  const std::size_t nb = n_blocks(res.n, block);
  const std::size_t batch = std::max<std::size_t>(1, 4 * exec.n_threads());
  for (std::size_t b0 = 0; b0 < nb; b0 += batch) {
    exec.parallel_for(b0, std::min(nb, b0 + batch), [&](std::size_t bb0, std::size_t bb1) {
      detail::TopK top(k);
      for (std::size_t q = bb0 * block; q < std::min(res.n, bb1 * block); ++q) {
        tree.query(query.col(q).data(), k, exclude_self ? static_cast<int>(q) : -1, top);
        std::sort(top.h.begin(), top.h.end());
        for (std::size_t j = 0; j < top.h.size(); ++j) {
          res.idx[q * k + j] = top.h[j].second;
          res.dist[q * k + j] = metric_distance(top.h[j].first, metric);
        }
      }
    });
    control.check();
  }
  return res;
}


// Exact kNN among the columns of `pts` (p x n), already prepared for the metric.
template <class Exec>
KnnResult exact_knn(const Eigen::MatrixXd& pts, std::size_t k, Metric metric, const Exec& exec,
                    Control& control) {
  if (pts.rows() <= KdTree::kMaxDim) return kdtree_knn(pts, pts, k, true, metric, exec, control);
  const std::size_t n = pts.cols();
  std::vector<double> nrm(n);
  for (std::size_t i = 0; i < n; ++i) nrm[i] = pts.col(i).squaredNorm();
  auto gram = [&](std::size_t q0, std::size_t q1, std::size_t r0, std::size_t r1,
                  Eigen::MatrixXd& out) {
    out.noalias() = pts.middleCols(r0, r1 - r0).transpose() * pts.middleCols(q0, q1 - q0);
  };
  auto d2 = [&](std::size_t q, std::size_t r) { return (pts.col(q) - pts.col(r)).squaredNorm(); };
  if (symmetric_knn_fits(n, k)) return brute_force_knn_self(n, k, nrm, gram, d2, metric, exec, control);
  return brute_force_knn(n, n, k, nrm, nrm, gram, d2, true, metric, exec, control);
}

// Exact kNN of the columns of `query` among the columns of `ref` (for placing new points).
template <class Exec>
KnnResult exact_knn_query(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& query, std::size_t k,
                          Metric metric, const Exec& exec, Control& control) {
  if (ref.rows() <= KdTree::kMaxDim) return kdtree_knn(ref, query, k, false, metric, exec, control);
  std::vector<double> rn(ref.cols()), qn(query.cols());
  for (Eigen::Index i = 0; i < ref.cols(); ++i) rn[i] = ref.col(i).squaredNorm();
  for (Eigen::Index i = 0; i < query.cols(); ++i) qn[i] = query.col(i).squaredNorm();
  auto gram = [&](std::size_t q0, std::size_t q1, std::size_t r0, std::size_t r1,
                  Eigen::MatrixXd& out) {
    out.noalias() = ref.middleCols(r0, r1 - r0).transpose() * query.middleCols(q0, q1 - q0);
  };
  auto d2 = [&](std::size_t q, std::size_t r) { return (query.col(q) - ref.col(r)).squaredNorm(); };
  return brute_force_knn(query.cols(), ref.cols(), k, qn, rn, gram, d2, false, metric, exec,
                         control);
}

// Exact kNN among the columns of a sparse p x n matrix (points as columns), e.g. a dgCMatrix of
// cells x genes transposed. Cosine/correlation preparation must already have been applied.
template <class Exec>
KnnResult exact_knn_sparse(const Eigen::SparseMatrix<double>& pts, std::size_t k, Metric metric,
                           const Exec& exec, Control& control) {
  const std::size_t n = pts.cols();
  std::vector<double> nrm(n);
  for (std::size_t i = 0; i < n; ++i) nrm[i] = pts.col(i).squaredNorm();
  const Eigen::SparseMatrix<double, Eigen::RowMajor> rows = pts.transpose();  // n x p
  auto gram = [&](std::size_t q0, std::size_t q1, std::size_t r0, std::size_t r1,
                  Eigen::MatrixXd& out) {
    Eigen::MatrixXd q = Eigen::MatrixXd(pts.middleCols(q0, q1 - q0));
    out.noalias() = rows.middleRows(r0, r1 - r0) * q;
  };
  auto d2 = [&](std::size_t q, std::size_t r) {
    return nrm[q] + nrm[r] - 2.0 * pts.col(q).dot(pts.col(r));
  };
  if (symmetric_knn_fits(n, k)) return brute_force_knn_self(n, k, nrm, gram, d2, metric, exec, control);
  return brute_force_knn(n, n, k, nrm, nrm, gram, d2, true, metric, exec, control);
}

}  // namespace nembed

#endif
