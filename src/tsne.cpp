// Glue: t-SNE optimisation and its repulsion engines.
#include <Rcpp.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <type_traits>

#include "nembed/affinities.hpp"
#include "nembed/tsne.hpp"
#include "nembed/tsne_transform.hpp"
#include "nembed/validate.hpp"
#include "heap.h"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// The optimiser's options (names as TsneParams' fields; repulsion by repulsion_names;
// n_interp, min_intervals, intervals_per_unit, near_radius set its FftParams), and the calling glue
// function's own (name, field) pairs in `own`.
template <class... Own>
TsneParams read_tsne_params(OptionReader& opt, Own&... own) {
  TsneParams p;
  if constexpr (sizeof...(Own) > 0) opt.read(own...);
  // Records made before the per-phase schedule have one rate for both phases.
  double early_learning_rate = NAN;
  opt.read("n_iter", p.n_iter, "early_iter", p.early_iter, "early_exaggeration",
           p.early_exaggeration, "exaggeration", p.exaggeration, "learning_rate", p.learning_rate,
           "early_learning_rate", early_learning_rate, "momentum", p.momentum, "final_momentum",
           p.final_momentum, "dof", p.dof, "theta", p.theta, "max_step_norm", p.max_step_norm,
           "eval_every", p.eval_every);
  p.early_learning_rate = std::isnan(early_learning_rate) ? p.learning_rate : early_learning_rate;
  opt.read_enum("repulsion", p.repulsion, repulsion_names);
  opt.read("n_interp", p.fft.n_interp, "min_intervals", p.fft.min_intervals, "intervals_per_unit",
           p.fft.intervals_per_unit, "near_radius", p.fft.near_radius);
  // Tests force the near field where its estimated cost would decline it.
  opt.read("near_always", p.fft.near_always);
  // Tests force the renumbering on small data.
  opt.read("reorder_min_n", p.reorder_min_n, "reorder_every", p.reorder_every);
  return p;
}

// Phase times of the last tsne_cpp() run with the environment variable NEMBED_TSNE_PROFILE set
// (bench/tsne-breakdown.R); a benchmark instrument, off otherwise.
TsnePhaseTimes& last_phase_times() {
  static TsnePhaseTimes times;
  return times;
}

// Calls fn(std::integral_constant<int, D>) for the layout's dimension D (1, 2 or 3): the one
// place the glue turns the run-time dimension into the core's template argument.
template <class Fn>
auto with_dim(int dim, Fn&& fn) {
  switch (dim) {
    case 1: return fn(std::integral_constant<int, 1>());
    case 2: return fn(std::integral_constant<int, 2>());
    default: return fn(std::integral_constant<int, 3>());
  }
}

}  // namespace

// Runs t-SNE on P from Y0 with tsne_cpp()'s options (read by the caller into par and iter_offset):
// the layout and the loss trace (iteration, KL divergence, Z).
static Rcpp::List run_tsne(SparseP&& P, const Rcpp::NumericMatrix& Y0, const TsneParams& par,
                    int iter_offset, GlueRun& run) {
  const std::size_t n = Y0.nrow();
  // Before P's copy, the optimiser's arrays and the FFT grid (P: 8 bytes per non-zero).
  release_free_memory(8 * P.idx.size());
  return with_dim(Y0.ncol(), [&](auto dim) {
    constexpr int D = decltype(dim)::value;
    TsneOptimizer<D> tsne(std::move(P), rowmajor(Y0), par, run.exec, run.control);
    const bool timing = std::getenv("NEMBED_TSNE_PROFILE") != nullptr;
    tsne.time_phases(timing);
    const TsneTrace tr = tsne.run(run.exec, run.control, iter_offset);
    if (timing) last_phase_times() = tsne.phase_times();
    return Rcpp::List::create(Rcpp::Named("Y") = to_matrix(tsne.Y(), n, D),
                              Rcpp::Named("iter") = Rcpp::wrap(tr.iter),
                              Rcpp::Named("kl") = Rcpp::wrap(tr.kl),
                              Rcpp::Named("Z") = Rcpp::wrap(tr.Z));
  });
}

// t-SNE from Y0 (n x dim) on the affinities P given as a dgCMatrix's slots p, i, x. options: the
// TsneParams (read_tsne_params), iter_offset (the first iteration's number, for continued runs),
// n_threads, verbose. Returns the layout and the loss trace (iteration, KL divergence, Z).
// [[Rcpp::export]]
Rcpp::List tsne_cpp(const Rcpp::IntegerVector Pp, const Rcpp::IntegerVector Pi,
                    const Rcpp::NumericVector Px, const Rcpp::NumericMatrix Y0,
                    const Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  int iter_offset = 0;
  OptionReader opt(options);
  const TsneParams par = read_tsne_params(opt, "iter_offset", iter_offset);
  GlueRun run(opt);
  const std::size_t n = Y0.nrow();
  // validate_affinities() ran in R; debug builds check the slots again.
  assert(check_csc_arrays(Pp.begin(), Pp.size(), Pi.begin(), Pi.size(), Px.begin(), Px.size(),
                          n).empty());
  // Pp, Pi, Px live as long as this call: renumbering rebuilds P from them (CscSource).
  return run_tsne(make_sparse_p(n, Pp.begin(), Pi.begin(), Px.begin(), true), Y0, par, iter_offset,
                  run);
  NEMBED_GLUE_END
}

// tsne_cpp() on the P of perplexity_tsne_p_cpp(), which this call takes over (the pointer is left
// empty, so P's memory is released when the optimiser is done).
// [[Rcpp::export]]
Rcpp::List tsne_core_cpp(SEXP P, const Rcpp::NumericMatrix Y0, const Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  int iter_offset = 0;
  OptionReader opt(options);
  const TsneParams par = read_tsne_params(opt, "iter_offset", iter_offset);
  GlueRun run(opt);
  Rcpp::XPtr<SparseP> xp(P);
  if (xp.get() == nullptr || xp->n != static_cast<std::size_t>(Y0.nrow()) || xp->ptr.empty())
    throw std::invalid_argument("t-SNE's core P is missing, already used or of another size");
  SparseP p = std::move(*xp);
  xp->ptr.clear();  // marks it used
  return run_tsne(std::move(p), Y0, par, iter_offset, run);
  NEMBED_GLUE_END
}

// Gradient (in the no-factor-4 convention), KL divergence and Z at Y: for tests and benchmarks.
// options: as tsne_cpp's (the repulsion's), plus rho (the attraction's weight; default 1) and
// simd ("portable", "sse2" or "avx": the vector instructions of the 2-D attraction and near
// field, at most what the CPU has; default the widest; for tests).
// [[Rcpp::export]]
Rcpp::List tsne_gradient_cpp(const Rcpp::IntegerVector Pp, const Rcpp::IntegerVector Pi,
                             const Rcpp::NumericVector Px, const Rcpp::NumericMatrix Y,
                             const Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  const std::size_t n = Y.nrow();
  double rho = 1.0;  // the attraction's weight
  Simd simd = best_simd();
  OptionReader opt(options);
  const TsneParams par = read_tsne_params(opt, "rho", rho);
  opt.read_enum("simd", simd, simd_names);
  GlueRun run(opt);
  return with_dim(Y.ncol(), [&](auto dim) {
    constexpr int D = decltype(dim)::value;
    TsneOptimizer<D> tsne(make_sparse_p(n, Pp.begin(), Pi.begin(), Px.begin()), rowmajor(Y), par,
                          run.exec);
    tsne.use_simd(simd);
    const double kl = tsne.compute_gradient(rho, true, run.exec);
    return Rcpp::List::create(Rcpp::Named("gradient") = to_matrix(tsne.gradient(), n, D),
                              Rcpp::Named("kl") = kl, Rcpp::Named("Z") = tsne.last_Z());
  });
  NEMBED_GLUE_END
}

// The FFT repulsion's transform length for at least min_len nodes per dimension
// (fft_padded_length, tsne_fft.hpp): for tests that rebuild its grid.
// [[Rcpp::export]]
int fft_padded_length_cpp(int min_len) { return fft_padded_length(min_len); }

// Conditional perplexity affinities p_{j|i} of query points to their reference neighbours.
// options: n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix perplexity_conditional_cpp(const Rcpp::NumericMatrix dist,
                                               Rcpp::NumericVector perplexities,
                                               const Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  GlueRun run(options);
  const std::size_t n = dist.nrow(), k = dist.ncol();
  std::vector<double> perp(perplexities.begin(), perplexities.end());
  PerplexityResult pr =
      perplexity_calibrate(n, k, ColumnMajorDistances{dist.begin(), n}, perp, 1e-5, 200, run.exec);
  return to_matrix(pr.p, n, k);
  NEMBED_GLUE_END
}

// Places query points (Y0, m x dim) into a fixed t-SNE reference layout ref with their 1-based
// reference neighbours nbr and affinities p (m x k). options: the TransformParams (n_iter,
// learning_rate, momentum, dof, theta, max_step_norm), n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix tsne_transform_cpp(const Rcpp::NumericMatrix ref, const Rcpp::IntegerMatrix nbr,
                                       const Rcpp::NumericMatrix p, const Rcpp::NumericMatrix Y0,
                                       const Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  TransformParams par;
  opt.read("n_iter", par.n_iter, "learning_rate", par.learning_rate, "momentum", par.momentum,
           "dof", par.dof, "theta", par.theta, "max_step_norm", par.max_step_norm);
  GlueRun run(opt);
  const std::size_t m = nbr.nrow(), k = nbr.ncol(), D = Y0.ncol();
  std::vector<int> nb(m * k);
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < k; ++j) nb[i * k + j] = nbr(i, j) - 1;
  const std::vector<double> R = rowmajor(ref), pv = rowmajor(p);
  std::vector<double> Y = rowmajor(Y0);
  with_dim(static_cast<int>(D), [&](auto dim) {
    tsne_transform<decltype(dim)::value>(R, ref.nrow(), nb, pv, k, Y, par, run.exec, run.control);
  });
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
