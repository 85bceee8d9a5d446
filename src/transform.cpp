// Glue: placing new points into a finished UMAP embedding by its edge-sampling SGD (the contrastive
// embeddings' transform is contrastive_transform_cpp in contrastive.cpp).
#include <Rcpp.h>

#include "nembed/losses.hpp"
#include "nembed/sgd.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Places m new points (Y0, m x dim) into a finished UMAP embedding `ref` (n x dim), which does not
// move: each new point is attracted along its edges to its reference neighbours nbr (m x k,
// 1-based) with weights w (sampled in proportion to them) and repelled from negatives drawn from
// the reference, by UMAP's SGD. options: a, b, attraction_weight, n_epochs, negative_rate,
// learning_rate, seed, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix sgd_transform_cpp(Rcpp::NumericMatrix ref, Rcpp::NumericMatrix Y0,
                                      Rcpp::IntegerMatrix nbr, Rcpp::NumericMatrix w,
                                      Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  LossSpec spec;
  opt.read("a", spec.a, "b", spec.b, "attraction_weight", spec.attraction_weight);
  SgdOptions sgd;
  sgd.label = "transform";
  opt.read("n_epochs", sgd.n_epochs, "negative_rate", sgd.negative_rate, "learning_rate",
           sgd.learning_rate, "seed", sgd.seed);
  GlueRun run(opt);
  std::vector<int> nb;
  std::vector<double> wv;
  knn_from_r(nbr, w, nb, wv);
  const std::size_t m = Y0.nrow();
  SgdGraph g = make_transform_graph(m, nbr.ncol(), nb, wv, sgd.n_epochs, sgd.negative_rate);
  std::vector<float> y = rowmajor<float>(Y0);
  const std::vector<float> fixed = rowmajor<float>(ref);
  const auto& exec = run.exec;
  auto& control = run.control;
  const int d = Y0.ncol();
  with_loss(spec, d, [&](auto& L) { sgd_optimize(y, d, g, L, sgd, exec, control, &fixed); });
  return to_matrix(y, m, d);
  NEMBED_GLUE_END
}
