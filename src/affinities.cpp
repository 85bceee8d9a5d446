// Glue: affinities on a kNN graph (perplexity, uniform, UMAP memberships), symmetrised.
#include <Rcpp.h>

#include "nembed/affinities.hpp"
#include "nembed/graph.hpp"
#include "nembed/validate.hpp"
#include "heap.h"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// The steps the kNN affinities share: kNN matrices in; directed weights from directed(n, k, dist)
// (which may keep per-point results of its own); symmetrised by `rule`; a dgCMatrix's slots out.
// Each array is released as soon as it is no longer needed (1M points x 90 neighbours).
template <class Exec, class Directed>
Rcpp::List symmetric_affinities(const Rcpp::IntegerMatrix& idx, const Rcpp::NumericMatrix& dist,
                                const CombineRule& rule, const Exec& exec, Directed&& directed) {
  release_free_memory();  // the kNN search's freed pages, before n * k arrays are allocated
  const std::size_t n = idx.nrow(), k = idx.ncol();
  assert(knn_indices_in_range(idx.begin(), n, k, n));  // validate_knn() ran in R
  std::vector<double> d = rowmajor(dist);
  std::vector<double> w = directed(n, k, d);
  std::vector<double>().swap(d);
  // The neighbours are read from R's matrix where they are (ColumnMajorNeighbours), not copied.
  CsrGraph s = symmetrize(n, k, ColumnMajorNeighbours{idx.begin(), n, k}, w, rule, exec);
  std::vector<double>().swap(w);
  return csr_to_r(std::move(s));
}

}  // namespace

// P = (P_cond + P_cond^T) / (2n) of perplexity-calibrated Gaussians. options: perplexities (one or
// more: multi-scale), n_threads.
// [[Rcpp::export]]
Rcpp::List perplexity_affinities_cpp(const Rcpp::IntegerMatrix idx, const Rcpp::NumericMatrix dist,
                                     Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  std::vector<double> perp{30.0};
  opt.read("perplexities", perp);
  GlueRun run(opt);
  // Rows of P_cond sum to 1, so the total is 1.
  const CombineRule rule{Combine::sum, 1.0 / (2.0 * static_cast<double>(idx.nrow()))};
  PerplexityResult pr;
  Rcpp::List out = symmetric_affinities(idx, dist, rule, run.exec,
                                        [&](std::size_t n, std::size_t k, const std::vector<double>& d) {
                                          pr = perplexity_calibrate(n, k, d, perp, 1e-5, 200, run.exec);
                                          return std::move(pr.p);
                                        });
  out["beta"] = Rcpp::NumericVector(pr.beta.begin(), pr.beta.end());
  out["entropy"] = Rcpp::NumericVector(pr.entropy.begin(), pr.entropy.end());
  return out;
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
  UmapCalibration c;
  Rcpp::List out = symmetric_affinities(idx, dist, rule, run.exec,
                                        [&](std::size_t n, std::size_t k, const std::vector<double>& d) {
                                          c = umap_calibrate(n, k, d, run.exec);
                                          return std::move(c.v);
                                        });
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
