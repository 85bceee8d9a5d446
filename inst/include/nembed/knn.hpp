// k-nearest-neighbour search: exact blocked brute force (the reference) and HNSW (approximate).
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
  void push(double d, int j) {
    if (h.size() < k) {
      h.emplace_back(d, j);
      std::push_heap(h.begin(), h.end());
    } else if (Cand(d, j) < h.front()) {
      std::pop_heap(h.begin(), h.end());
      h.back() = Cand(d, j);
      std::push_heap(h.begin(), h.end());
    }
  }
};

}  // namespace detail

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
          for (auto& c : h) c.first = std::max(0.0, exact_d2(q, static_cast<std::size_t>(c.second)));
          std::sort(h.begin(), h.end());
          for (std::size_t j = 0; j < k && j < h.size(); ++j) {
            res.idx[q * k + j] = h[j].second;
            res.dist[q * k + j] = metric_distance(h[j].first, metric);
          }
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
  const std::size_t n = pts.cols();
  std::vector<double> nrm(n);
  for (std::size_t i = 0; i < n; ++i) nrm[i] = pts.col(i).squaredNorm();
  auto gram = [&](std::size_t q0, std::size_t q1, std::size_t r0, std::size_t r1,
                  Eigen::MatrixXd& out) {
    out.noalias() = pts.middleCols(r0, r1 - r0).transpose() * pts.middleCols(q0, q1 - q0);
  };
  auto d2 = [&](std::size_t q, std::size_t r) { return (pts.col(q) - pts.col(r)).squaredNorm(); };
  return brute_force_knn(n, n, k, nrm, nrm, gram, d2, true, metric, exec, control);
}

// Exact kNN of the columns of `query` among the columns of `ref` (for placing new points).
template <class Exec>
KnnResult exact_knn_query(const Eigen::MatrixXd& ref, const Eigen::MatrixXd& query, std::size_t k,
                          Metric metric, const Exec& exec, Control& control) {
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
  return brute_force_knn(n, n, k, nrm, nrm, gram, d2, true, metric, exec, control);
}

}  // namespace nembed

#endif
