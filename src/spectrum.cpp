// Glue: Laplacian eigenmaps / spectral initialisation, UMAP and contrastive SGD, and placing new
// points into their embeddings.
#include <RcppEigen.h>

#include "nembed/contrastive.hpp"
#include "nembed/forceatlas.hpp"
#include "nembed/laplacian.hpp"
#include "nembed/sgd.hpp"
#include "nembed/validate.hpp"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// A symmetric dgCMatrix (column pointers, row indices, values) as CSR rows: the same arrays.
SparseSym sparse_from_r(const Rcpp::IntegerVector& p, const Rcpp::IntegerVector& i,
                        const Rcpp::NumericVector& x, int n) {
  // validate_affinities() / as_weight_matrix() ran in R; debug builds check again.
  assert(check_csc_arrays(p.begin(), p.size(), i.begin(), i.size(), x.begin(), x.size(),
                          static_cast<std::size_t>(n)).empty());
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

// The loss of an SGD run. code: 0 NEG, 1 NCE (NEG whose constant c learns log Z), 2 InfoNCE,
// 3 UMAP (a, b, gamma; attraction_weight 2 mimics umap-learn's move_other, see sgd.hpp).
struct LossSpec {
  int code = 3;
  double a = 1.0, b = 1.0, gamma = 1.0, attraction_weight = 2.0;
  double c = 1.0, rho = 1.0;
  int n_negatives = 5;
};

// Calls run(loss) with the loss `s` describes, for `dim` dimensions (a fixed-size kernel in 2-D).
// Returns the final NEG/NCE constant c (s.c for the other losses).
template <class Run>
double with_loss(const LossSpec& s, int dim, Run&& run) {
  double c_out = s.c;
  if (s.code == 0 || s.code == 1) {
    auto go = [&](auto L) {
      L.c = static_cast<float>(s.c);
      L.dim = dim;
      L.learn_z = (s.code == 1);
      L.m = s.n_negatives;
      L.log_z = std::log(s.c / s.n_negatives);
      run(L);
      c_out = L.c;
    };
    if (dim == 2) go(NegSamplingLoss<2>());
    else go(NegSamplingLoss<0>());
  } else if (s.code == 2) {
    auto go = [&](auto L) {
      L.rho = static_cast<float>(s.rho);
      L.dim = dim;
      run(L);
    };
    if (dim == 2) go(InfoNceLoss<2>());
    else go(InfoNceLoss<0>());
  } else {
    auto go = [&](auto L) {
      L.a = static_cast<float>(s.a);
      L.b = static_cast<float>(s.b);
      L.gamma = static_cast<float>(s.gamma);
      L.b_is_one = (s.b == 1.0);
      L.attraction_weight = static_cast<float>(s.attraction_weight);
      L.dim = dim;
      run(L);
    };
    if (dim == 2) go(UmapLoss<2>());
    else go(UmapLoss<0>());
  }
  return c_out;
}

SgdOptions sgd_options(int n_epochs, double learning_rate, double negative_rate,
                       bool fixed_negatives, double seed, const char* label) {
  SgdOptions opt;
  opt.n_epochs = n_epochs;
  opt.learning_rate = static_cast<float>(learning_rate);
  opt.negative_rate = negative_rate;
  opt.fixed_negatives = fixed_negatives;
  opt.seed = seed_from_r(seed);
  opt.label = label;
  return opt;
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
  const SgdOptions opt = sgd_options(n_epochs, learning_rate, negative_rate, false, seed, "umap");
  LossSpec spec;
  spec.a = a;
  spec.b = b;
  spec.gamma = gamma;
  const int d = static_cast<int>(dim);
  with_loss(spec, d, [&](auto& L) { sgd_optimize(y, d, g, L, opt, exec, control); });
  return coords_to_r(y, n, dim);
  NEMBED_GLUE_END
}

// A contrastive embedding on the binary graph (p, i, x) by the authors' mini-batch SGD
// (contrastive_batch_sgd). loss: 0 NEG, 1 NCE, 2 InfoNCE, 3 UMAP (a = b = 1). spec: NEG's c or
// InfoNCE's rho, and spec_early for the first n_early epochs; NCE starts from c = m Z with
// log_z0 = log Z. Returns the layout, the final c (NCE: learnt) and log Z, and the partition sum
// sum_{i != j} phi_ij of the final layout (exact up to 5,000 points, else from 2,000 rows).
// [[Rcpp::export]]
Rcpp::List contrastive_sgd_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector p, Rcpp::IntegerVector i,
                               Rcpp::NumericVector x, int loss, int n_epochs, int n_early,
                               double spec, double spec_early, double log_z0, int n_negatives,
                               int batch_size, double learning_rate, double seed, int n_threads,
                               bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const std::size_t n = Y.nrow(), dim = Y.ncol();
  std::vector<int> heads, tails;
  for (std::size_t c = 0; c < n; ++c)
    for (int q = p[c]; q < p[c + 1]; ++q)
      if (x[q] > 0 && static_cast<std::size_t>(i[q]) != c) {
        heads.push_back(static_cast<int>(c));
        tails.push_back(i[q]);
      }
  std::vector<float> y = coords_from_r(Y);
  const char* labels[] = {"neg", "nce", "infonce", "umap-loss"};
  CneOptions opt;
  opt.kind = static_cast<CneKind>(loss < 0 || loss > 3 ? 3 : loss);
  opt.label = labels[static_cast<int>(opt.kind)];
  opt.n_epochs = n_epochs;
  opt.n_early = n_early;
  opt.spec = spec;
  opt.spec_early = spec_early;
  opt.n_negatives = n_negatives;
  opt.batch_size = static_cast<std::size_t>(batch_size);
  opt.learning_rate = static_cast<float>(learning_rate);
  opt.seed = seed_from_r(seed);
  const int d = static_cast<int>(dim);
  CneResult r = d == 2 ? contrastive_batch_sgd<2>(y, d, heads, tails, opt, log_z0, exec, control)
                       : contrastive_batch_sgd<0>(y, d, heads, tails, opt, log_z0, exec, control);
  const double zsum = cauchy_partition_sum(y, d, 1.0, n <= 5000 ? 0 : 2000, exec);
  return Rcpp::List::create(Rcpp::Named("Y") = coords_to_r(y, n, dim), Rcpp::Named("c") = r.spec,
                            Rcpp::Named("log_z") = r.log_z, Rcpp::Named("partition_sum") = zsum);
  NEMBED_GLUE_END
}

// Test hook: the summed gradient of one batch of contrastive-ne's loss on the points (n x dim),
// before clipping, and its d loss / d log Z. heads, tails: 1-based points of the b pairs; slots:
// b x m matrix of 1-based pool slots (1..b heads, b+1..2b tails). spec: c (NEG, NCE) or rho.
// [[Rcpp::export]]
Rcpp::List contrastive_batch_gradient_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector heads,
                                          Rcpp::IntegerVector tails, Rcpp::IntegerMatrix slots,
                                          int loss, double spec, int n_threads) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = Y.nrow(), b = heads.size();
  const int d = Y.ncol(), m = slots.ncol();
  std::vector<int> h(b), t(b), sl(b * m);
  for (std::size_t r = 0; r < b; ++r) {
    h[r] = heads[r] - 1;
    t[r] = tails[r] - 1;
    for (int q = 0; q < m; ++q) sl[r * m + q] = slots(r, q) - 1;
  }
  std::vector<float> y = coords_from_r(Y);
  CnePairLoss L;
  L.kind = static_cast<CneKind>(loss);
  L.spec = spec;
  CneBatchWork w;
  w.G.assign(n * d, 0.0f);
  w.stamp.assign(n, 0u);
  std::vector<int> touched;
  const double dz = cne_batch_gradient<0>(y, d, h.data(), t.data(), b, sl, m, L, w, touched, exec);
  Rcpp::NumericMatrix G(n, d);
  for (int p : touched)
    for (int k = 0; k < d; ++k) G(p, k) = w.G[static_cast<std::size_t>(p) * d + k];
  return Rcpp::List::create(Rcpp::Named("gradient") = G, Rcpp::Named("dlogz") = dz);
  NEMBED_GLUE_END
}

// Places m new points (Y0, m x dim) into a finished embedding `ref` (n x dim), which does not move:
// each new point is attracted along its edges to its reference neighbours nbr (m x k, 1-based)
// with weights w (sampled in proportion to them) and repelled from negatives drawn from the
// reference, by the SGD of the embedding's loss: `loss` as in contrastive_sgd_cpp (3: UMAP with
// a, b and attraction_weight), c its NEG constant (held fixed), rho its InfoNCE exaggeration.
// [[Rcpp::export]]
Rcpp::NumericMatrix sgd_transform_cpp(Rcpp::NumericMatrix ref, Rcpp::NumericMatrix Y0,
                                      Rcpp::IntegerMatrix nbr, Rcpp::NumericMatrix w, int loss,
                                      double a, double b, double attraction_weight, double c,
                                      double rho, int n_epochs, double negative_rate,
                                      bool fixed_negatives, double learning_rate, double seed,
                                      int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  LossSpec spec;
  spec.code = loss == 1 ? 0 : loss;  // NCE's learnt constant stays as it is
  spec.a = a;
  spec.b = b;
  spec.attraction_weight = attraction_weight;
  spec.c = c;
  spec.rho = rho;
  spec.n_negatives = static_cast<int>(negative_rate);
  std::vector<int> nb;
  std::vector<double> wv;
  knn_from_r(nbr, w, nb, wv);
  const std::size_t m = Y0.nrow();
  SgdGraph g = make_transform_graph(m, nbr.ncol(), nb, wv, n_epochs, negative_rate);
  std::vector<float> y = coords_from_r(Y0);
  const std::vector<float> fixed = coords_from_r(ref);
  const SgdOptions opt = sgd_options(n_epochs, learning_rate, negative_rate, fixed_negatives,
                                     seed, "transform");
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const int d = Y0.ncol();
  with_loss(spec, d, [&](auto& L) { sgd_optimize(y, d, g, L, opt, exec, control, &fixed); });
  return coords_to_r(y, m, d);
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
