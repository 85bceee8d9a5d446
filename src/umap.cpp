// Glue: UMAP's edge-sampling SGD.
#include <Rcpp.h>

#include "nembed/losses.hpp"
#include "nembed/sgd.hpp"
#include "nembed/simd.hpp"
#include "nembed/umap.hpp"
#include "nembed/umap_lanes.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Optimises the layout Y (n x dim) on the symmetric fuzzy graph W (dgCMatrix). options: n_epochs,
// a, b, gamma, negative_rate, learning_rate, seed, n_threads, verbose; simd ("portable", "sse2" or
// "avx": the 2-D lanes' vector path, default the best available; tests compare them) and
// generic_kernel (test hook: the portable loss for any dimension instead of the 2-D one).
// [[Rcpp::export]]
Rcpp::NumericMatrix umap_sgd_cpp(Rcpp::NumericMatrix Y, SEXP W, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  SgdOptions sgd;
  sgd.label = "umap";
  opt.read("n_epochs", sgd.n_epochs, "negative_rate", sgd.negative_rate, "learning_rate",
           sgd.learning_rate, "seed", sgd.seed);
  LossSpec spec;
  opt.read("a", spec.a, "b", spec.b, "gamma", spec.gamma);
  opt.read_enum("simd", spec.simd, simd_names);
  bool generic_kernel = false;
  opt.read("generic_kernel", generic_kernel);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const std::size_t n = Y.nrow(), dim = Y.ncol();
  SgdGraph g = make_sgd_graph(csr_from_r(W), sgd.n_epochs, sgd.negative_rate);
  std::vector<float> y = rowmajor<float>(Y);
  const int d = static_cast<int>(dim);
  with_loss(spec, d, [&](auto& L) { sgd_optimize(y, d, g, L, sgd, exec, control); },
            generic_kernel);
  return to_matrix(y, n, dim);
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

// Test hook: the lanes' fast_pow (umap_lanes.hpp) on the vector path `simd` and the scalar fast_pow,
// on x (length a multiple of 8, x > 0).
// [[Rcpp::export]]
Rcpp::List umap_fast_pow_cpp(Rcpp::NumericVector x, double b, std::string simd) {
  NEMBED_GLUE_BEGIN
  const Simd path = usable_simd(enum_from_name(simd_names, simd, "simd"));
  const std::vector<float> xf(x.begin(), x.end());
  std::vector<float> lanes(xf.size());
  Rcpp::NumericVector one(xf.size()), many(xf.size());
  for (std::size_t q0 = 0; q0 + kUmapLanes <= xf.size(); q0 += kUmapLanes)
    fast_pow_lanes(path, xf.data() + q0, static_cast<float>(b), lanes.data() + q0);
  for (std::size_t q = 0; q < xf.size(); ++q) {
    many[q] = lanes[q];
    one[q] = fast_pow(xf[q], static_cast<float>(b));
  }
  return Rcpp::List::create(Rcpp::Named("lanes") = many, Rcpp::Named("scalar") = one);
  NEMBED_GLUE_END
}
