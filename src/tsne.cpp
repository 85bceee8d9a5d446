// Glue: t-SNE optimisation and its repulsion engines.
#include <Rcpp.h>

#include "nembed/tsne.hpp"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

TsneParams params_from_list(const Rcpp::List& par) {
  TsneParams p;
  p.n_iter = Rcpp::as<int>(par["n_iter"]);
  p.early_iter = Rcpp::as<int>(par["early_iter"]);
  p.early_exaggeration = Rcpp::as<double>(par["early_exaggeration"]);
  p.exaggeration = Rcpp::as<double>(par["exaggeration"]);
  p.learning_rate = Rcpp::as<double>(par["learning_rate"]);
  p.momentum = Rcpp::as<double>(par["momentum"]);
  p.final_momentum = Rcpp::as<double>(par["final_momentum"]);
  p.dof = Rcpp::as<double>(par["dof"]);
  const std::string rep = Rcpp::as<std::string>(par["repulsion"]);
  p.repulsion = rep == "exact" ? RepulsionMethod::exact
                : rep == "bh"  ? RepulsionMethod::barnes_hut
                               : RepulsionMethod::fft;
  p.theta = Rcpp::as<double>(par["theta"]);
  p.fft.n_interp = Rcpp::as<int>(par["n_interp"]);
  p.fft.min_intervals = Rcpp::as<int>(par["min_intervals"]);
  p.fft.intervals_per_unit = Rcpp::as<double>(par["intervals_per_unit"]);
  p.max_step_norm = Rcpp::as<double>(par["max_step_norm"]);
  p.eval_every = Rcpp::as<int>(par["eval_every"]);
  return p;
}

std::vector<double> rowmajor(const Rcpp::NumericMatrix& Y) {
  const std::size_t n = Y.nrow(), d = Y.ncol();
  std::vector<double> out(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out[i * d + c] = Y(i, c);
  return out;
}

Rcpp::NumericMatrix to_matrix(const std::vector<double>& v, std::size_t n, std::size_t d) {
  Rcpp::NumericMatrix out(n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out(i, c) = v[i * d + c];
  return out;
}

template <int D>
Rcpp::List run_tsne(const SparseP& P, const Rcpp::NumericMatrix& Y0, const TsneParams& par,
                    int n_threads, bool verbose, int iter_offset) {
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  TsneOptimizer<D> opt(P, rowmajor(Y0), par);
  TsneTrace tr = opt.run(exec, control, iter_offset);
  return Rcpp::List::create(Rcpp::Named("Y") = to_matrix(opt.Y(), P.n, D),
                            Rcpp::Named("iter") = Rcpp::wrap(tr.iter),
                            Rcpp::Named("kl") = Rcpp::wrap(tr.kl),
                            Rcpp::Named("Z") = Rcpp::wrap(tr.Z));
}

template <int D>
Rcpp::List gradient_at(const SparseP& P, const Rcpp::NumericMatrix& Y, const TsneParams& par,
                       double rho, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  TsneOptimizer<D> opt(P, rowmajor(Y), par);
  const double kl = opt.compute_gradient(rho, true, exec);
  return Rcpp::List::create(Rcpp::Named("gradient") = to_matrix(opt.gradient(), P.n, D),
                            Rcpp::Named("kl") = kl, Rcpp::Named("Z") = opt.last_Z());
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List tsne_cpp(const Rcpp::IntegerVector Pp, const Rcpp::IntegerVector Pi,
                    const Rcpp::NumericVector Px, const Rcpp::NumericMatrix Y0,
                    const Rcpp::List params, int n_threads, bool verbose, int iter_offset) {
  NEMBED_GLUE_BEGIN
  const std::size_t n = Y0.nrow();
  SparseP P = make_sparse_p(n, Pp.begin(), Pi.begin(), Px.begin());
  const TsneParams par = params_from_list(params);
  switch (Y0.ncol()) {
    case 1: return run_tsne<1>(P, Y0, par, n_threads, verbose, iter_offset);
    case 2: return run_tsne<2>(P, Y0, par, n_threads, verbose, iter_offset);
    default: return run_tsne<3>(P, Y0, par, n_threads, verbose, iter_offset);
  }
  NEMBED_GLUE_END
}

// Gradient (in the no-factor-4 convention), KL divergence and Z at Y: for tests.
// [[Rcpp::export]]
Rcpp::List tsne_gradient_cpp(const Rcpp::IntegerVector Pp, const Rcpp::IntegerVector Pi,
                             const Rcpp::NumericVector Px, const Rcpp::NumericMatrix Y,
                             const Rcpp::List params, double rho, int n_threads) {
  const std::size_t n = Y.nrow();
  SparseP P = make_sparse_p(n, Pp.begin(), Pi.begin(), Px.begin());
  const TsneParams par = params_from_list(params);
  switch (Y.ncol()) {
    case 1: return gradient_at<1>(P, Y, par, rho, n_threads);
    case 2: return gradient_at<2>(P, Y, par, rho, n_threads);
    default: return gradient_at<3>(P, Y, par, rho, n_threads);
  }
}
