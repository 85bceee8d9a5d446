// Glue: affinities on a kNN graph (perplexity, uniform, UMAP memberships), symmetrised.
#include <Rcpp.h>

#include "nembed/affinities.hpp"
#include "nembed/graph.hpp"
#include "nembed/tsne.hpp"
#include "nembed/validate.hpp"
#include "heap.h"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// symmetrize_into()'s output written straight into the dgCMatrix slots returned to R (p, i, x),
// so the result is not held twice (12 bytes per non-zero, 1.6 GB at 10^6 points x 90 neighbours).
// allocate() runs on the calling thread, before the workers write.
struct RSlotsSink {
  Rcpp::IntegerVector p, i;
  Rcpp::NumericVector x;
  std::pair<int*, double*> allocate(std::size_t n, const std::vector<std::size_t>& ptr) {
    p = Rcpp::IntegerVector(n + 1);
    for (std::size_t r = 0; r <= n; ++r) p[r] = static_cast<int>(ptr[r]);
    i = Rcpp::IntegerVector(ptr[n]);
    x = Rcpp::NumericVector(ptr[n]);
    return {i.begin(), x.begin()};
  }
  Rcpp::List slots() const {
    return Rcpp::List::create(Rcpp::Named("p") = p, Rcpp::Named("i") = i, Rcpp::Named("x") = x);
  }
};

// The steps the kNN affinities share: the directed weights w (anything symmetrize_into() reads)
// on R's kNN matrix, symmetrised by `rule` into a dgCMatrix's slots. The neighbours are read from
// R's matrix where they are (ColumnMajorNeighbours), not copied.
template <class Exec, class W>
Rcpp::List symmetric_affinities(const Rcpp::IntegerMatrix& idx, const W& w,
                                const CombineRule& rule, const Exec& exec) {
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  RSlotsSink sink;
  symmetrize_into(n, k, ColumnMajorNeighbours{idx.begin(), n, k}, w, rule, exec, sink);
  return sink.slots();
}

// P = (P_cond + P_cond^T) / (2n) of perplexity-calibrated Gaussians on R's kNN matrices, written
// to `sink` (see symmetrize_into()); returns the calibration. P_cond is not stored (8 bytes per
// directed edge, 0.72 GB at 10^6 x 90): symmetrisation computes it where it reads it, from R's
// distances and each point's calibration. perp: one or more perplexities (more: multi-scale).
template <class Sink>
PerplexityResult perplexity_affinities(const Rcpp::IntegerMatrix& idx, const Rcpp::NumericMatrix& dist,
                                       const std::vector<double>& perp, const GlueRun& run,
                                       Sink& sink) {
  const std::size_t n = idx.nrow(), k = idx.ncol();
  // The kNN search's freed pages and R's garbage, before the symmetrisation's arrays (about 16
  // bytes per directed edge: positions of the transpose, then indices and values of P).
  release_free_memory(16 * n * k);
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  // Rows of P_cond sum to 1, so the total is 1.
  const CombineRule rule{Combine::sum, 1.0 / (2.0 * static_cast<double>(n))};
  PerplexityResult pr = perplexity_calibrate(n, k, ColumnMajorDistances{dist.begin(), n}, perp, 1e-5,
                                             200, run.exec, false);
  symmetrize_into(n, k, ColumnMajorNeighbours{idx.begin(), n, k},
                  PerplexityWeights{{dist.begin(), n}, k, &pr}, rule, run.exec, sink);
  return pr;
}

// The perplexities option of the perplexity glue (default 30).
std::vector<double> read_perplexities(OptionReader& opt) {
  std::vector<double> perp{30.0};
  opt.read("perplexities", perp);
  return perp;
}

}  // namespace

// The perplexity affinities as a dgCMatrix's slots, with beta and entropy. options: perplexities,
// n_threads.
// [[Rcpp::export]]
Rcpp::List perplexity_affinities_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                                     Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  const std::vector<double> perp = read_perplexities(opt);
  GlueRun run(opt);
  RSlotsSink sink;
  const PerplexityResult pr = perplexity_affinities(idx, dist, perp, run, sink);
  Rcpp::List out = sink.slots();
  out["beta"] = Rcpp::NumericVector(pr.beta.begin(), pr.beta.end());
  out["entropy"] = Rcpp::NumericVector(pr.entropy.begin(), pr.entropy.end());
  return out;
  NEMBED_GLUE_END
}

// The same affinities as t-SNE's optimiser holds them (SparseP, float values), kept in the core
// behind an external pointer for tsne_core_cpp(), which takes them over: R then never holds P
// during the optimisation (12 bytes per non-zero, 1.6 GB at 10^6 points). options: as
// perplexity_affinities_cpp().
// [[Rcpp::export]]
SEXP perplexity_tsne_p_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                           Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  const std::vector<double> perp = read_perplexities(opt);
  GlueRun run(opt);
  CsrSink sink;
  perplexity_affinities(idx, dist, perp, run, sink);
  return Rcpp::XPtr<SparseP>(new SparseP(make_sparse_p(std::move(sink.g))), true);
  NEMBED_GLUE_END
}

// UMAP's fuzzy simplicial set. options: set_op_mix_ratio (1: fuzzy union), n_threads.
// [[Rcpp::export]]
Rcpp::List umap_affinities_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                               Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  CombineRule rule{Combine::fuzzy_union};
  opt.read("set_op_mix_ratio", rule.mix);
  GlueRun run(opt);
  // The kNN search's freed pages and R's garbage, before n * k memberships and the symmetrisation.
  release_free_memory(24 * static_cast<std::size_t>(idx.nrow()) * static_cast<std::size_t>(idx.ncol()));
  const UmapCalibration c = umap_calibrate(idx.nrow(), idx.ncol(), rowmajor(dist), run.exec);
  Rcpp::List out = symmetric_affinities(idx, c.v, rule, run.exec);
  out["rho"] = Rcpp::NumericVector(c.rho.begin(), c.rho.end());
  out["sigma"] = Rcpp::NumericVector(c.sigma.begin(), c.sigma.end());
  return out;
  NEMBED_GLUE_END
}

// Weights 1/k on the kNN edges, symmetrised as (W + W^T) / (2n). options: n_threads.
// [[Rcpp::export]]
Rcpp::List uniform_affinities_cpp(const Rcpp::IntegerMatrix idx, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  GlueRun run(options);
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  std::vector<int> nbr(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) nbr[i * k + j] = idx(i, j) - 1;
  std::vector<double> w(n * k, 1.0 / static_cast<double>(k));
  const CombineRule rule{Combine::sum, 1.0 / (2.0 * static_cast<double>(n))};
  return csr_to_r(symmetrize(n, k, nbr, w, rule, run.exec));
  NEMBED_GLUE_END
}

// UMAP's directed memberships exp(-max(0, d - rho) / sigma) of query points to their k reference
// neighbours (distances n x k), calibrated as in umap_affinities_cpp but not symmetrised.
// options: n_threads.
// [[Rcpp::export]]
Rcpp::NumericMatrix umap_memberships_cpp(const Rcpp::NumericMatrix dist, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  GlueRun run(options);
  const std::size_t n = dist.nrow(), k = dist.ncol();
  UmapCalibration c = umap_calibrate(n, k, rowmajor(dist), run.exec);
  return to_matrix(c.v, n, k);
  NEMBED_GLUE_END
}
