// Glue: t-SNE optimisation and its repulsion engines.
#include <Rcpp.h>

#include <cstdlib>

#include "nembed/tsne.hpp"
#include "nembed/tsne_transform.hpp"
#include "nembed/validate.hpp"
#include "rcpp_convert.h"
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
  // Records made before the per-phase schedule have one rate for both phases.
  p.early_learning_rate = par.containsElementNamed("early_learning_rate")
                              ? Rcpp::as<double>(par["early_learning_rate"])
                              : p.learning_rate;
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
  if (par.containsElementNamed("reorder_min_n"))  // tests force the renumbering on small data
    p.reorder_min_n = static_cast<std::size_t>(Rcpp::as<double>(par["reorder_min_n"]));
  if (par.containsElementNamed("reorder_every"))
    p.reorder_every = Rcpp::as<int>(par["reorder_every"]);
  return p;
}

// Phase times of the last tsne_cpp() run with the environment variable NEMBED_TSNE_PROFILE set
// (bench/tsne-breakdown.R); a benchmark instrument, off otherwise.
TsnePhaseTimes& last_phase_times() {
  static TsnePhaseTimes times;
  return times;
}

template <int D>
Rcpp::List run_tsne(SparseP P, const Rcpp::NumericMatrix& Y0, const TsneParams& par,
                    int n_threads, bool verbose, int iter_offset) {
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  const std::size_t n = P.n;
  TsneOptimizer<D> opt(std::move(P), rowmajor(Y0), par, exec, control);
  const bool timing = std::getenv("NEMBED_TSNE_PROFILE") != nullptr;
  opt.time_phases(timing);
  TsneTrace tr = opt.run(exec, control, iter_offset);
  if (timing) last_phase_times() = opt.phase_times();
  return Rcpp::List::create(Rcpp::Named("Y") = to_matrix(opt.Y(), n, D),
                            Rcpp::Named("iter") = Rcpp::wrap(tr.iter),
                            Rcpp::Named("kl") = Rcpp::wrap(tr.kl),
                            Rcpp::Named("Z") = Rcpp::wrap(tr.Z));
}

template <int D>
Rcpp::List gradient_at(SparseP P, const Rcpp::NumericMatrix& Y, const TsneParams& par,
                       double rho, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = P.n;
  TsneOptimizer<D> opt(std::move(P), rowmajor(Y), par, exec);
  const double kl = opt.compute_gradient(rho, true, exec);
  return Rcpp::List::create(Rcpp::Named("gradient") = to_matrix(opt.gradient(), n, D),
                            Rcpp::Named("kl") = kl, Rcpp::Named("Z") = opt.last_Z());
}

}  // namespace

// [[Rcpp::export]]
Rcpp::List tsne_cpp(const Rcpp::IntegerVector Pp, const Rcpp::IntegerVector Pi,
                    const Rcpp::NumericVector Px, const Rcpp::NumericMatrix Y0,
                    const Rcpp::List params, int n_threads, bool verbose, int iter_offset) {
  NEMBED_GLUE_BEGIN
  const std::size_t n = Y0.nrow();
  // validate_affinities() ran in R; debug builds check the slots again.
  assert(check_csc_arrays(Pp.begin(), Pp.size(), Pi.begin(), Pi.size(), Px.begin(), Px.size(),
                          n).empty());
  SparseP P = make_sparse_p(n, Pp.begin(), Pi.begin(), Px.begin());
  const TsneParams par = params_from_list(params);
  switch (Y0.ncol()) {
    case 1: return run_tsne<1>(std::move(P), Y0, par, n_threads, verbose, iter_offset);
    case 2: return run_tsne<2>(std::move(P), Y0, par, n_threads, verbose, iter_offset);
    default: return run_tsne<3>(std::move(P), Y0, par, n_threads, verbose, iter_offset);
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
    case 1: return gradient_at<1>(std::move(P), Y, par, rho, n_threads);
    case 2: return gradient_at<2>(std::move(P), Y, par, rho, n_threads);
    default: return gradient_at<3>(std::move(P), Y, par, rho, n_threads);
  }
}

// Conditional perplexity affinities p_{j|i} of query points to their reference neighbours.
// [[Rcpp::export]]
Rcpp::NumericMatrix perplexity_conditional_cpp(const Rcpp::NumericMatrix dist,
                                               Rcpp::NumericVector perplexities, int n_threads) {
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = dist.nrow(), k = dist.ncol();
  std::vector<double> d(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) d[i * k + j] = dist(i, j);
  std::vector<double> perp(perplexities.begin(), perplexities.end());
  PerplexityResult pr = perplexity_calibrate(n, k, d, perp, 1e-5, 200, exec);
  return to_matrix(pr.p, n, k);
}

// [[Rcpp::export]]
Rcpp::NumericMatrix tsne_transform_cpp(const Rcpp::NumericMatrix ref, const Rcpp::IntegerMatrix nbr,
                                       const Rcpp::NumericMatrix p, const Rcpp::NumericMatrix Y0,
                                       const Rcpp::List params, int n_threads, bool verbose) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  RControl control(verbose);
  TransformParams par;
  par.n_iter = Rcpp::as<int>(params["n_iter"]);
  par.learning_rate = Rcpp::as<double>(params["learning_rate"]);
  par.momentum = Rcpp::as<double>(params["momentum"]);
  par.dof = Rcpp::as<double>(params["dof"]);
  par.theta = Rcpp::as<double>(params["theta"]);
  par.max_step_norm = Rcpp::as<double>(params["max_step_norm"]);
  const std::size_t m = nbr.nrow(), k = nbr.ncol(), D = Y0.ncol();
  std::vector<int> nb(m * k);
  std::vector<double> pv(m * k);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      nb[i * k + j] = nbr(i, j) - 1;
      pv[i * k + j] = p(i, j);
    }
  std::vector<double> R = rowmajor(ref), Y = rowmajor(Y0);
  switch (D) {
    case 1: tsne_transform<1>(R, ref.nrow(), nb, pv, k, Y, par, exec, control); break;
    case 2: tsne_transform<2>(R, ref.nrow(), nb, pv, k, Y, par, exec, control); break;
    default: tsne_transform<3>(R, ref.nrow(), nb, pv, k, Y, par, exec, control); break;
  }
  return to_matrix(Y, m, D);
  NEMBED_GLUE_END
}

// The Hilbert-curve order the optimiser renumbers points by (1-based): for tests.
// [[Rcpp::export]]
Rcpp::IntegerVector hilbert_order_cpp(const Rcpp::NumericMatrix Y) {
  const std::vector<int> order = hilbert_order(rowmajor(Y), Y.nrow(), Y.ncol());
  Rcpp::IntegerVector out(order.size());
  for (std::size_t r = 0; r < order.size(); ++r) out[r] = order[r] + 1;
  return out;
}

// Wall and CPU seconds per phase and the number of iterations of the last profiled t-SNE run (see
// last_phase_times()).
// [[Rcpp::export]]
Rcpp::List tsne_phase_times_cpp() {
  const TsnePhaseTimes& t = last_phase_times();
  Rcpp::NumericVector wall(kTsnePhases), cpu(kTsnePhases);
  Rcpp::CharacterVector names(kTsnePhases);
  for (int p = 0; p < kTsnePhases; ++p) {
    wall[p] = t.seconds[p];
    cpu[p] = t.cpu_seconds[p];
    names[p] = tsne_phase_name(p);
  }
  wall.names() = names;
  cpu.names() = names;
  return Rcpp::List::create(Rcpp::Named("wall") = wall, Rcpp::Named("cpu") = cpu,
                            Rcpp::Named("iterations") = t.iterations);
}
