// Glue: Laplacian eigenmaps and the spectral initialisation of UMAP and t-SNE.
#include <RcppEigen.h>

#include "nembed/laplacian.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Bottom eigenpairs of the normalised Laplacian of the symmetric weight matrix (p, i, x), n x n.
// options: n_components, seed, dense_limit, tol, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List spectral_init_cpp(Rcpp::IntegerVector p, Rcpp::IntegerVector i, Rcpp::NumericVector x,
                             int n, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  LaplacianParams par;
  opt.read("n_components", par.n_components);
  opt.read("seed", par.seed);
  opt.read("dense_limit", par.solver.dense_below);
  opt.read("tol", par.solver.tol);
  const RunOptions run = read_run_options(opt);
  opt.done();
  RcppParallelExecutor exec(run.n_threads);
  RControl control(run.verbose);
  const CsrGraph W = csr_from_r(p, i, x, static_cast<std::size_t>(n));
  LaplacianEigen le = laplacian_eigen(W, par, exec, control);
  return Rcpp::List::create(
      Rcpp::Named("ok") = le.ok, Rcpp::Named("reason") = le.reason,
      Rcpp::Named("vectors") = Rcpp::wrap(le.vectors), Rcpp::Named("values") = Rcpp::wrap(le.values),
      Rcpp::Named("sqrt_degree") = Rcpp::wrap(le.sqrt_degree),
      Rcpp::Named("n_graph_components") = static_cast<double>(le.n_graph_components),
      Rcpp::Named("solver") = le.solver, Rcpp::Named("iterations") = le.iterations);
  NEMBED_GLUE_END
}
