// Glue: Laplacian eigenmaps / spectral initialisation, UMAP and contrastive SGD.
#include <RcppEigen.h>

#include "nembed/contrastive.hpp"
#include "nembed/forceatlas.hpp"
#include "nembed/laplacian.hpp"
#include "nembed/sgd.hpp"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// A symmetric dgCMatrix (column pointers, row indices, values) as CSR rows: the same arrays.
SparseSym sparse_from_r(const Rcpp::IntegerVector& p, const Rcpp::IntegerVector& i,
                        const Rcpp::NumericVector& x, int n) {
  SparseSym s;
  s.n = static_cast<std::size_t>(n);
  s.ptr.assign(p.begin(), p.end());
  s.idx.assign(i.begin(), i.end());
  s.val.assign(x.begin(), x.end());
  return s;
}

std::uint64_t seed_from_r(double seed) { return static_cast<std::uint64_t>(seed); }

std::vector<float> coords_from_r(const Rcpp::NumericMatrix& Y) {
  const std::size_t n = Y.nrow(), d = Y.ncol();
  std::vector<float> out(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) out[i * d + j] = static_cast<float>(Y(i, j));
  return out;
}

Rcpp::NumericMatrix coords_to_r(const std::vector<float>& Y, std::size_t n, std::size_t d) {
  Rcpp::NumericMatrix out(n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < d; ++j) out(i, j) = Y[i * d + j];
  return out;
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List spectral_init_cpp(Rcpp::IntegerVector p, Rcpp::IntegerVector i, Rcpp::NumericVector x,
                             int n, int n_components, double seed, int n_threads, int dense_limit,
                             double tol, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  SparseSym W = sparse_from_r(p, i, x, n);
  LaplacianEigen le = laplacian_eigen(W, n_components, seed_from_r(seed), exec, control,
                                      static_cast<std::size_t>(dense_limit), tol);
  return Rcpp::List::create(
      Rcpp::Named("ok") = le.ok, Rcpp::Named("reason") = le.reason,
      Rcpp::Named("vectors") = Rcpp::wrap(le.vectors), Rcpp::Named("values") = Rcpp::wrap(le.values),
      Rcpp::Named("sqrt_degree") = Rcpp::wrap(le.sqrt_degree),
      Rcpp::Named("n_graph_components") = static_cast<double>(le.n_graph_components),
      Rcpp::Named("solver") = le.solver, Rcpp::Named("iterations") = le.iterations);
  NEMBED_GLUE_END
}

// [[Rcpp::export]]
Rcpp::NumericMatrix umap_sgd_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector p, Rcpp::IntegerVector i,
                                 Rcpp::NumericVector x, int n_epochs, double a, double b,
                                 double gamma, double negative_rate, double learning_rate,
                                 double seed, int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const std::size_t n = Y.nrow(), dim = Y.ncol();
  SparseSym W = sparse_from_r(p, i, x, static_cast<int>(n));
  SgdGraph g = make_sgd_graph(W, n_epochs, negative_rate);
  std::vector<float> y = coords_from_r(Y);
  SgdOptions opt;
  opt.n_epochs = n_epochs;
  opt.learning_rate = static_cast<float>(learning_rate);
  opt.negative_rate = negative_rate;
  opt.seed = seed_from_r(seed);
  opt.label = "umap";
  auto run = [&](auto loss) {
    loss.a = static_cast<float>(a);
    loss.b = static_cast<float>(b);
    loss.gamma = static_cast<float>(gamma);
    loss.b_is_one = (b == 1.0);
    loss.dim = static_cast<int>(dim);
    sgd_optimize(y, static_cast<int>(dim), g, loss, opt, exec, control);
  };
  if (dim == 2) run(UmapLoss<2>());
  else run(UmapLoss<0>());
  return coords_to_r(y, n, dim);
  NEMBED_GLUE_END
}

// One phase of a contrastive embedding on the binary graph (p, i, x).
// loss: 0 NEG, 1 NCE, 2 InfoNCE, 3 UMAP (a = b = 1). c: NEG constant (or NCE's m Z at the start);
// rho: InfoNCE exaggeration.
// [[Rcpp::export]]
Rcpp::List contrastive_sgd_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector p, Rcpp::IntegerVector i,
                               Rcpp::NumericVector x, int loss, int n_epochs, double c, double rho,
                               int n_negatives, double learning_rate, double seed,
                               double stream_offset, int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const std::size_t n = Y.nrow(), dim = Y.ncol();
  SparseSym W = sparse_from_r(p, i, x, static_cast<int>(n));
  SgdGraph g = make_sgd_graph(W, n_epochs, n_negatives);
  std::vector<float> y = coords_from_r(Y);
  SgdOptions opt;
  opt.n_epochs = n_epochs;
  opt.learning_rate = static_cast<float>(learning_rate);
  opt.negative_rate = n_negatives;
  opt.fixed_negatives = true;
  opt.seed = seed_from_r(seed);
  opt.stream_offset = static_cast<std::uint64_t>(stream_offset);
  double c_out = c;
  const int d = static_cast<int>(dim);
  if (loss == 0 || loss == 1) {
    opt.label = loss == 0 ? "neg" : "nce";
    auto run = [&](auto L) {
      L.c = static_cast<float>(c);
      L.dim = d;
      L.learn_z = (loss == 1);
      L.m = n_negatives;
      L.log_z = std::log(c / n_negatives);
      sgd_optimize(y, d, g, L, opt, exec, control);
      c_out = L.c;
    };
    if (dim == 2) run(NegSamplingLoss<2>());
    else run(NegSamplingLoss<0>());
  } else if (loss == 2) {
    opt.label = "infonce";
    auto run = [&](auto L) {
      L.rho = static_cast<float>(rho);
      L.dim = d;
      sgd_optimize(y, d, g, L, opt, exec, control);
    };
    if (dim == 2) run(InfoNceLoss<2>());
    else run(InfoNceLoss<0>());
  } else {
    opt.label = "umap-loss";
    auto run = [&](auto L) {
      L.a = 1.0f;
      L.b = 1.0f;
      L.b_is_one = true;
      L.attraction_weight = 1.0f;
      L.dim = d;
      sgd_optimize(y, d, g, L, opt, exec, control);
    };
    if (dim == 2) run(UmapLoss<2>());
    else run(UmapLoss<0>());
  }
  return Rcpp::List::create(Rcpp::Named("Y") = coords_to_r(y, n, dim), Rcpp::Named("c") = c_out);
  NEMBED_GLUE_END
}

// Test hook: UMAP's attractive and repulsive descent directions for one pair, as the SGD computes
// them (before clipping and the learning rate).
// [[Rcpp::export]]
Rcpp::List umap_pair_gradient_cpp(Rcpp::NumericVector yi, Rcpp::NumericVector yj, double a,
                                  double b) {
  UmapLoss<0> L;
  L.a = static_cast<float>(a);
  L.b = static_cast<float>(b);
  L.b_is_one = (b == 1.0);
  float d2 = 0.0f;
  for (R_xlen_t d = 0; d < yi.size(); ++d) d2 += static_cast<float>((yi[d] - yj[d]) * (yi[d] - yj[d]));
  Rcpp::NumericVector att(yi.size()), rep(yi.size());
  for (R_xlen_t d = 0; d < yi.size(); ++d) {
    att[d] = L.attract_coef(d2) * (yi[d] - yj[d]);
    rep[d] = L.repel_coef(d2) * (yi[d] - yj[d]);
  }
  return Rcpp::List::create(Rcpp::Named("attraction") = att, Rcpp::Named("repulsion") = rep,
                            Rcpp::Named("fast_pow") = fast_pow(d2, static_cast<float>(b)),
                            Rcpp::Named("d2") = d2);
}

// [[Rcpp::export]]
Rcpp::NumericMatrix fa2_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector p, Rcpp::IntegerVector i,
                            Rcpp::NumericVector x, int n_iter, double scaling_ratio, double gravity,
                            bool strong_gravity, double theta, double jitter_tolerance,
                            int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const std::size_t n = Y.nrow();
  SparseSym W = sparse_from_r(p, i, x, static_cast<int>(n));
  std::vector<double> y(2 * n);
  for (std::size_t r = 0; r < n; ++r) {
    y[2 * r] = Y(r, 0);
    y[2 * r + 1] = Y(r, 1);
  }
  Fa2Options opt;
  opt.n_iter = n_iter;
  opt.scaling_ratio = scaling_ratio;
  opt.gravity = gravity;
  opt.strong_gravity = strong_gravity;
  opt.theta = theta;
  opt.jitter_tolerance = jitter_tolerance;
  forceatlas2(y, W, opt, exec, control);
  Rcpp::NumericMatrix out(n, 2);
  for (std::size_t r = 0; r < n; ++r) {
    out(r, 0) = y[2 * r];
    out(r, 1) = y[2 * r + 1];
  }
  return out;
  NEMBED_GLUE_END
}
