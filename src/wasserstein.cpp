// Glue: Gaussian Wasserstein distances between units of samples.
#include <RcppEigen.h>

#include "nembed/wasserstein.hpp"
#include "params.h"
#include "rcpp_executor.h"

using namespace nembed;

// X: n x F samples; groups: 1-based unit index per sample (1..n_units). Returns the packed
// distances (R's dist layout), the unit means (n_units x F) and the unit sizes. options: n_units,
// lambda, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List wasserstein_gaussian_cpp(const Eigen::Map<Eigen::MatrixXd> X, const Rcpp::IntegerVector groups,
                                    Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  std::size_t n_units = 0;
  double lambda = 0.5;
  opt.read("n_units", n_units, "lambda", lambda);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const Eigen::MatrixXd pts = X.transpose();
  std::vector<int> g(groups.size());
  for (R_xlen_t s = 0; s < groups.size(); ++s) g[s] = groups[s] - 1;
  const UnitMoments m = unit_moments(pts, g, n_units, exec);
  control.check();
  std::vector<double> d = gaussian_wasserstein(m, lambda, exec, control);
  Eigen::MatrixXd means = m.means.transpose();
  return Rcpp::List::create(Rcpp::Named("dist") = Rcpp::NumericVector(d.begin(), d.end()),
                            Rcpp::Named("means") = Rcpp::wrap(means),
                            Rcpp::Named("size") = Rcpp::IntegerVector(m.size.begin(), m.size.end()));
  NEMBED_GLUE_END
}

// Distances from given moments: means is U x F, covs holds U column-major F x F matrices back to
// back (an F x F x U array). options: lambda, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericVector wasserstein_gaussian_moments_cpp(const Eigen::Map<Eigen::MatrixXd> means,
                                                     const Rcpp::NumericVector covs,
                                                     Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  double lambda = 0.5;
  opt.read("lambda", lambda);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const std::size_t U = means.rows(), F = means.cols();
  UnitMoments m;
  m.means = means.transpose();
  m.covs.resize(U);
  m.size.assign(U, 0);
  for (std::size_t u = 0; u < U; ++u)
    m.covs[u] = Eigen::Map<const Eigen::MatrixXd>(covs.begin() + u * F * F, F, F);
  finish_moments(m, exec);
  std::vector<double> d = gaussian_wasserstein(m, lambda, exec, control);
  return Rcpp::NumericVector(d.begin(), d.end());
  NEMBED_GLUE_END
}
