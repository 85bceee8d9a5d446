// Glue: ForceAtlas2.
#include <Rcpp.h>

#include "nembed/forceatlas2.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Runs ForceAtlas2 from the 2-D layout Y on the symmetric weighted graph W (dgCMatrix). options:
// n_iter, scaling_ratio, gravity, strong_gravity, theta, jitter_tolerance, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix forceatlas2_cpp(Rcpp::NumericMatrix Y, SEXP W, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  ForceAtlas2Params par;
  opt.read("n_iter", par.n_iter, "scaling_ratio", par.scaling_ratio, "gravity", par.gravity,
           "strong_gravity", par.strong_gravity, "theta", par.theta, "jitter_tolerance",
           par.jitter_tolerance);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const std::size_t n = Y.nrow();
  std::vector<double> y = rowmajor(Y);
  forceatlas2(y, csr_from_r(W), par, exec, control);
  return to_matrix(y, n, 2);
  NEMBED_GLUE_END
}
