// Glue: principal components of a dense matrix (nembed/pca.hpp).
#include <RcppEigen.h>

#include "nembed/pca.hpp"
#include "params.h"
#include "rcpp_executor.h"

using namespace nembed;

// X: n x p; center, scale: per column. Returns d (singular values), rotation (p x k) and
// scores (n x k) of the standardised data. options: k (components), n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List pca_gram_cpp(const Eigen::Map<Eigen::MatrixXd> X, const Eigen::Map<Eigen::VectorXd> center,
                        const Eigen::Map<Eigen::VectorXd> scale, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  int k = 2;
  opt.read("k", k);
  GlueRun run(opt);
  PcaResult r = pca_gram(X, Eigen::VectorXd(center), Eigen::VectorXd(scale), k, run.exec, run.control);
  return Rcpp::List::create(Rcpp::Named("d") = Rcpp::wrap(r.d), Rcpp::Named("v") = Rcpp::wrap(r.rotation),
                            Rcpp::Named("u_d") = Rcpp::wrap(r.scores));
  NEMBED_GLUE_END
}
