// Glue: Laplacian eigenmaps and the spectral initialisation of UMAP and t-SNE.
#include <RcppEigen.h>

#include "nembed/laplacian.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// Bottom eigenpairs of the normalised Laplacian of the symmetric weight matrix W (dgCMatrix).
// options: n_components, seed, dense_limit, tol, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List spectral_init_cpp(SEXP W, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  LaplacianParams par;
  opt.read("n_components", par.n_components, "seed", par.seed, "dense_limit", par.solver.dense_below,
           "tol", par.solver.tol);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  LaplacianEigen le = laplacian_eigen(csr_from_r(W), par, exec, control);
  return Rcpp::List::create(
      Rcpp::Named("ok") = le.ok, Rcpp::Named("reason") = le.reason,
      Rcpp::Named("vectors") = Rcpp::wrap(le.vectors), Rcpp::Named("values") = Rcpp::wrap(le.values),
      Rcpp::Named("sqrt_degree") = Rcpp::wrap(le.sqrt_degree),
      Rcpp::Named("n_graph_components") = static_cast<double>(le.n_graph_components),
      Rcpp::Named("solver") = le.solver, Rcpp::Named("iterations") = le.iterations);
  NEMBED_GLUE_END
}
