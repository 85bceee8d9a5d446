// Glue: kNN graphs and affinities.
#include <RcppEigen.h>

#include "nembed/affinity.hpp"
#include "nembed/hnsw.hpp"
#include "nembed/knn.hpp"
#include "nembed/validate.hpp"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

Metric parse_metric(const std::string& m) {
  if (m == "cosine") return Metric::cosine;
  if (m == "correlation") return Metric::correlation;
  return Metric::euclidean;
}

Rcpp::List knn_to_r(const KnnResult& r) {
  Rcpp::IntegerMatrix idx(r.n, r.k);
  Rcpp::NumericMatrix dist(r.n, r.k);
  for (std::size_t i = 0; i < r.n; ++i)
    for (std::size_t j = 0; j < r.k; ++j) {
      idx(i, j) = r.idx[i * r.k + j] + 1;
      dist(i, j) = r.dist[i * r.k + j];
    }
  return Rcpp::List::create(Rcpp::Named("idx") = idx, Rcpp::Named("dist") = dist);
}

// Consumes s: each array is released as soon as its R copy exists, so the peak holds one extra
// array rather than a second matrix (at 1M points x 90 neighbours the matrix is ~1.5 GB).
Rcpp::List sparse_to_r(SparseSym&& s) {
  Rcpp::IntegerVector p(s.n + 1);
  for (std::size_t i = 0; i <= s.n; ++i) p[i] = static_cast<int>(s.ptr[i]);
  std::vector<std::size_t>().swap(s.ptr);
  Rcpp::IntegerVector i(s.idx.begin(), s.idx.end());
  std::vector<int>().swap(s.idx);
  Rcpp::NumericVector x(s.val.begin(), s.val.end());
  std::vector<double>().swap(s.val);
  return Rcpp::List::create(Rcpp::Named("p") = p, Rcpp::Named("i") = i, Rcpp::Named("x") = x);
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List knn_dense_cpp(const Eigen::Map<Eigen::MatrixXd> X, int k, std::string method,
                         std::string metric, int n_threads, int M, int ef_construction, int ef,
                         double seed, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  Eigen::MatrixXd pts = X.transpose();
  const Metric m = parse_metric(metric);
  prepare_for_metric(pts, m);
  KnnResult r;
  if (method == "hnsw") {
    HnswParams par;
    par.M = M;
    par.ef_construction = ef_construction;
    par.ef = ef;
    par.seed = static_cast<std::size_t>(seed);
    r = hnsw_knn(pts, k, m, par, exec, control);
  } else {
    r = exact_knn(pts, k, m, exec, control);
  }
  return knn_to_r(r);
  NEMBED_GLUE_END
}

// [[Rcpp::export]]
Rcpp::List knn_sparse_cpp(const Eigen::MappedSparseMatrix<double> X, int k, std::string metric,
                          int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  Eigen::SparseMatrix<double> pts = X.transpose();
  const Metric m = parse_metric(metric);
  if (m == Metric::cosine) {
    for (Eigen::Index j = 0; j < pts.outerSize(); ++j) {
      const double nrm = pts.col(j).norm();
      if (nrm > 0)
        for (Eigen::SparseMatrix<double>::InnerIterator it(pts, j); it; ++it) it.valueRef() /= nrm;
    }
  }
  return knn_to_r(exact_knn_sparse(pts, k, m, exec, control));
  NEMBED_GLUE_END
}

// [[Rcpp::export]]
Rcpp::List knn_query_cpp(const Eigen::Map<Eigen::MatrixXd> ref, const Eigen::Map<Eigen::MatrixXd> query,
                         int k, std::string metric, int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  Eigen::MatrixXd r = ref.transpose(), q = query.transpose();
  const Metric m = parse_metric(metric);
  prepare_for_metric(r, m);
  prepare_for_metric(q, m);
  return knn_to_r(exact_knn_query(r, q, k, m, exec, control));
  NEMBED_GLUE_END
}

// [[Rcpp::export]]
Rcpp::List perplexity_affinities_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                                     Rcpp::NumericVector perplexities, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  std::vector<int> nbr;
  std::vector<double> d;
  knn_from_r(idx, dist, nbr, d);
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  std::vector<double> perp(perplexities.begin(), perplexities.end());
  PerplexityResult pr = perplexity_calibrate(n, k, d, perp, 1e-5, 200, exec);
  std::vector<double>().swap(d);
  // P = (P_cond + P_cond^T) / (2n): rows of P_cond sum to 1, so the total is 1.
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  SparseSym s = symmetrize(n, k, nbr, pr.p, [scale](double f, double b) { return (f + b) * scale; },
                           exec);
  std::vector<double>().swap(pr.p);
  std::vector<int>().swap(nbr);
  Rcpp::List out = sparse_to_r(std::move(s));
  out["beta"] = Rcpp::NumericVector(pr.beta.begin(), pr.beta.end());
  out["entropy"] = Rcpp::NumericVector(pr.entropy.begin(), pr.entropy.end());
  return out;
}

// [[Rcpp::export]]
Rcpp::List uniform_affinities_cpp(const Rcpp::IntegerMatrix idx, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  std::vector<int> nbr(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) nbr[i * k + j] = idx(i, j) - 1;
  std::vector<double> w(n * k, 1.0 / static_cast<double>(k));
  const double scale = 1.0 / (2.0 * static_cast<double>(n));
  return sparse_to_r(symmetrize(n, k, nbr, w, [scale](double f, double b) { return (f + b) * scale; },
                                exec));
}

// UMAP's directed memberships exp(-max(0, d - rho) / sigma) of query points to their k reference
// neighbours (distances n x k), calibrated as in umap_affinities_cpp but not symmetrised.
// [[Rcpp::export]]
Rcpp::NumericMatrix umap_memberships_cpp(const Rcpp::NumericMatrix dist, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = dist.nrow(), k = dist.ncol();
  UmapCalibration c = umap_calibrate(n, k, rowmajor(dist), exec);
  return to_matrix(c.v, n, k);
}

// [[Rcpp::export]]
Rcpp::List umap_affinities_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                               double set_op_mix_ratio, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  std::vector<int> nbr;
  std::vector<double> d;
  knn_from_r(idx, dist, nbr, d);
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  UmapCalibration c = umap_calibrate(n, k, d, exec);
  std::vector<double>().swap(d);
  const double mix = set_op_mix_ratio;
  SparseSym s = symmetrize(n, k, nbr, c.v, [mix](double a, double b) {
    return mix * (a + b - a * b) + (1.0 - mix) * a * b;
  }, exec);
  Rcpp::List out = sparse_to_r(std::move(s));
  out["rho"] = Rcpp::NumericVector(c.rho.begin(), c.rho.end());
  out["sigma"] = Rcpp::NumericVector(c.sigma.begin(), c.sigma.end());
  return out;
}
