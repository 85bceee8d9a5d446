// Glue: spectral distances on the kNN graph.
#include <RcppEigen.h>

#include "nembed/spectral_distances.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// idx, dist: n x k kNN matrices (1-based, self excluded). options: method, corrected, t, n_eigen,
// weighted, n_threads, verbose. Returns the n(n-1)/2 distances in `dist` order plus what the R side
// needs to warn and record.
// [[Rcpp::export]]
Rcpp::List spectral_distances_cpp(const Rcpp::IntegerMatrix& idx, const Rcpp::NumericMatrix& dist,
                                  Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  SpectralParams par;
  opt.read_enum("method", par.method, spectral_method_names);
  opt.read("corrected", par.corrected, "t", par.t, "n_eigen", par.n_eigen, "weighted", par.weighted);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const std::size_t n = idx.nrow(), k = idx.ncol();
  std::vector<int> nbr;
  std::vector<double> d;
  knn_from_r(idx, dist, nbr, d);
  const CsrGraph g = spectral_knn_graph(nbr, d, n, k, par.weighted, exec);
  Rcpp::NumericVector out(n * (n - 1) / 2);
  SpectralInfo info = spectral_distances(g, par, exec, control, out.begin());
  Rcpp::IntegerVector comp(n);
  for (std::size_t i = 0; i < n; ++i) comp[i] = info.component[i] + 1;
  return Rcpp::List::create(
      Rcpp::Named("d") = out, Rcpp::Named("n_components") = info.n_components,
      Rcpp::Named("component") = comp, Rcpp::Named("cross_value") = info.cross_value,
      Rcpp::Named("truncated") = info.truncated, Rcpp::Named("lanczos") = info.lanczos,
      Rcpp::Named("n_edges") = static_cast<double>(g.ptr[n] / 2),
      Rcpp::Named("lambda_2") = info.min_nontrivial_eigenvalue,
      Rcpp::Named("lambda_max") = info.max_eigenvalue);
  NEMBED_GLUE_END
}
