// Glue: ForceAtlas2.
#include <Rcpp.h>

#include "nembed/forceatlas2.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Runs ForceAtlas2 from the 2-D layout Y on the symmetric weighted graph (p, i, x). options: n_iter,
// scaling_ratio, gravity, strong_gravity, theta, jitter_tolerance, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix forceatlas2_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector p,
                                    Rcpp::IntegerVector i, Rcpp::NumericVector x,
                                    Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  Fa2Options par;
  opt.read("n_iter", par.n_iter);
  opt.read("scaling_ratio", par.scaling_ratio);
  opt.read("gravity", par.gravity);
  opt.read("strong_gravity", par.strong_gravity);
  opt.read("theta", par.theta);
  opt.read("jitter_tolerance", par.jitter_tolerance);
  const RunOptions run = read_run_options(opt);
  opt.done();
  RcppParallelExecutor exec(run.n_threads);
  RControl control(run.verbose);
  const std::size_t n = Y.nrow();
  const CsrGraph W = csr_from_r(p, i, x, n);
  std::vector<double> y = rowmajor(Y);
  forceatlas2(y, W, par, exec, control);
  return to_matrix(y, n, 2);
  NEMBED_GLUE_END
}
