// Glue: placing new points into a finished SGD embedding (UMAP, NEG, NCE, InfoNCE).
#include <Rcpp.h>

#include "nembed/losses.hpp"
#include "nembed/sgd.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Places m new points (Y0, m x dim) into a finished embedding `ref` (n x dim), which does not move:
// each new point is attracted along its edges to its reference neighbours nbr (m x k, 1-based)
// with weights w (sampled in proportion to them) and repelled from negatives drawn from the
// reference, by the SGD of the embedding's loss. options: loss (as in contrastive_sgd_cpp; "umap"
// with a, b and attraction_weight), c (NEG's constant, held fixed; NCE's learnt one likewise),
// rho (InfoNCE's exaggeration), n_epochs, negative_rate, fixed_negatives, learning_rate, seed,
// n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix sgd_transform_cpp(Rcpp::NumericMatrix ref, Rcpp::NumericMatrix Y0,
                                      Rcpp::IntegerMatrix nbr, Rcpp::NumericMatrix w,
                                      Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  LossSpec spec;
  opt.read_enum("loss", spec.kind, loss_names);
  if (spec.kind == LossKind::nce) spec.kind = LossKind::neg;  // NCE's learnt constant stays as it is
  opt.read("a", spec.a, "b", spec.b, "attraction_weight", spec.attraction_weight, "c", spec.c,
           "rho", spec.rho);
  SgdOptions sgd;
  sgd.label = "transform";
  opt.read("n_epochs", sgd.n_epochs, "negative_rate", sgd.negative_rate, "fixed_negatives",
           sgd.fixed_negatives, "learning_rate", sgd.learning_rate, "seed", sgd.seed);
  GlueRun run(opt);
  spec.n_negatives = static_cast<int>(sgd.negative_rate);
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
