// Glue: the contrastive spectrum (NEG, NCE, InfoNCE, UMAP's loss) by mini-batch SGD.
#include <Rcpp.h>

#include "nembed/contrastive.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

// A contrastive embedding on the binary graph W (dgCMatrix) by the authors' mini-batch SGD
// (contrastive_batch_sgd). options: loss ("neg", "nce", "infonce", "umap"; UMAP with a = b = 1),
// n_epochs, n_early, spec (NEG's c or InfoNCE's rho) and spec_early for the first n_early epochs,
// log_z0 (NCE starts from c = m Z with log Z = log_z0), n_negatives, batch_size, learning_rate,
// seed, n_threads, verbose. Returns the layout, the final c (NCE: learnt) and log Z, and the
// partition sum sum_{i != j} phi_ij of the final layout (exact up to 5,000 points, else from
// 2,000 rows).
// [[Rcpp::export]]
Rcpp::List contrastive_sgd_cpp(Rcpp::NumericMatrix Y, SEXP W, Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  CneOptions par;
  opt.read_enum("loss", par.kind, loss_names);
  par.label = enum_name(loss_names, par.kind);
  double log_z0 = 0.0;
  opt.read("n_epochs", par.n_epochs, "n_early", par.n_early, "spec", par.spec, "spec_early",
           par.spec_early, "n_negatives", par.n_negatives, "batch_size", par.batch_size,
           "learning_rate", par.learning_rate, "seed", par.seed, "log_z0", log_z0);
  GlueRun run(opt);
  const auto& exec = run.exec;
  auto& control = run.control;
  const std::size_t n = Y.nrow(), dim = Y.ncol();
  const CsrGraph g = csr_from_r(W);
  std::vector<int> heads, tails;
  positive_edges(g, heads, tails);
  std::vector<float> y = rowmajor<float>(Y);
  const int d = static_cast<int>(dim);
  CneResult r = d == 2 ? contrastive_batch_sgd<2>(y, d, heads, tails, par, log_z0, exec, control)
                       : contrastive_batch_sgd<0>(y, d, heads, tails, par, log_z0, exec, control);
  const double zsum = cauchy_partition_sum(y, d, 1.0, n <= 5000 ? 0 : 2000, exec);
  return Rcpp::List::create(Rcpp::Named("Y") = to_matrix(y, n, dim), Rcpp::Named("c") = r.spec,
                            Rcpp::Named("log_z") = r.log_z, Rcpp::Named("partition_sum") = zsum);
  NEMBED_GLUE_END
}

namespace {

// What the two gradient test hooks share: one batch's pairs (heads, tails: 1-based) and negative
// slots (b x m, 1-based) converted to 0-based indices, the pair loss by name, and gradient buffers
// zeroed for `rows` points of dimension d.
template <class Work>
struct GradientHookInput {
  std::size_t b;
  int m;
  std::vector<int> heads, tails, slots;
  CnePairLoss loss;
  Work work;

  GradientHookInput(const Rcpp::IntegerVector& h, const Rcpp::IntegerVector& t,
                    const Rcpp::IntegerMatrix& sl, const std::string& loss_name, double spec,
                    std::size_t rows, int d)
      : b(h.size()), m(sl.ncol()), heads(b), tails(b), slots(b * m) {
    for (std::size_t r = 0; r < b; ++r) {
      heads[r] = h[r] - 1;
      tails[r] = t[r] - 1;
      for (int q = 0; q < m; ++q) slots[r * m + q] = sl(r, q) - 1;
    }
    loss.kind = enum_from_name(loss_names, loss_name, "loss");
    loss.spec = spec;
    work.G.assign(rows * d, 0.0f);
    work.stamp.assign(rows, 0u);
  }

  // The summed gradient as a rows x d matrix: the touched rows from work.G, zero elsewhere.
  Rcpp::NumericMatrix gradient(const std::vector<int>& touched, std::size_t rows, int d) const {
    Rcpp::NumericMatrix G(rows, d);
    for (int p : touched)
      for (int k = 0; k < d; ++k) G(p, k) = work.G[static_cast<std::size_t>(p) * d + k];
    return G;
  }
};

}  // namespace

// Test hook: the summed gradient of one batch of contrastive-ne's loss on the points (n x dim),
// before clipping, and its d loss / d log Z. heads, tails: 1-based points of the b pairs; slots:
// b x m matrix of 1-based pool slots (1..b heads, b+1..2b tails). loss: a name as in
// contrastive_sgd_cpp; spec: c (NEG, NCE) or rho.
// [[Rcpp::export]]
Rcpp::List contrastive_batch_gradient_cpp(Rcpp::NumericMatrix Y, Rcpp::IntegerVector heads,
                                          Rcpp::IntegerVector tails, Rcpp::IntegerMatrix slots,
                                          std::string loss, double spec, int n_threads) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  const std::size_t n = Y.nrow();
  const int d = Y.ncol();
  GradientHookInput<CneBatchWork> in(heads, tails, slots, loss, spec, n, d);
  const std::vector<float> y = rowmajor<float>(Y);
  std::vector<int> touched;
  const double dz = cne_batch_gradient<0>(y, d, in.heads.data(), in.tails.data(), in.b, in.slots,
                                          in.m, in.loss, in.work, touched, exec);
  return Rcpp::List::create(Rcpp::Named("gradient") = in.gradient(touched, n, d),
                            Rcpp::Named("dlogz") = dz);
  NEMBED_GLUE_END
}

// Places m new points (Y0, m x dim) into a finished contrastive embedding `ref` (n x dim), which
// does not move, by contrastive_transform_sgd: the pairs are each new point's edges to its
// reference neighbours nbr (m x k, 1-based); noise (1-based reference rows, one per directed edge
// of the embedding's graph) is what each batch's pool of negatives is drawn from. options: loss
// ("neg", "nce" (its learnt c, held fixed), "infonce", "umap"), spec (c or rho), n_epochs,
// n_negatives, batch_size, learning_rate, seed, n_threads, verbose.
// [[Rcpp::export]]
Rcpp::NumericMatrix contrastive_transform_cpp(Rcpp::NumericMatrix ref, Rcpp::NumericMatrix Y0,
                                              Rcpp::IntegerMatrix nbr, Rcpp::IntegerVector noise,
                                              Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  CneOptions par;
  opt.read_enum("loss", par.kind, loss_names);
  if (par.kind == LossKind::nce) par.kind = LossKind::neg;  // the learnt c, now fixed
  par.label = "transform";
  opt.read("spec", par.spec, "n_epochs", par.n_epochs, "n_negatives", par.n_negatives,
           "batch_size", par.batch_size, "learning_rate", par.learning_rate, "seed", par.seed);
  par.spec_early = par.spec;
  GlueRun run(opt);
  const std::size_t m = Y0.nrow(), k = nbr.ncol(), n = ref.nrow();
  const int d = Y0.ncol();
  std::vector<int> heads(m * k), tails(m * k), nz(noise.size());
  for (std::size_t i = 0; i < m; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      heads[i * k + j] = static_cast<int>(i);
      tails[i * k + j] = nbr(i, j) - 1;
    }
  for (R_xlen_t e = 0; e < noise.size(); ++e) nz[e] = noise[e] - 1;
  for (int t : tails)
    if (t < 0 || static_cast<std::size_t>(t) >= n) throw std::invalid_argument("`nbr` out of range");
  for (int p : nz)
    if (p < 0 || static_cast<std::size_t>(p) >= n) throw std::invalid_argument("`noise` out of range");
  std::vector<float> y = rowmajor<float>(Y0);
  const std::vector<float> fixed = rowmajor<float>(ref);
  if (d == 2) contrastive_transform_sgd<2>(y, fixed, d, heads, tails, nz, par, run.exec, run.control);
  else contrastive_transform_sgd<0>(y, fixed, d, heads, tails, nz, par, run.exec, run.control);
  return to_matrix(y, m, d);
  NEMBED_GLUE_END
}

// Test hook: the summed gradient of one transform batch on the new points Y (m x dim; zero where
// the batch does not reach), before clipping. heads: 1-based rows of Y; tails: 1-based rows of
// ref; pool: 2b 1-based rows of ref; slots: b x m_eff 1-based slots into pool.
// [[Rcpp::export]]
Rcpp::NumericMatrix contrastive_transform_gradient_cpp(Rcpp::NumericMatrix Y, Rcpp::NumericMatrix ref,
                                                       Rcpp::IntegerVector heads,
                                                       Rcpp::IntegerVector tails,
                                                       Rcpp::IntegerVector pool,
                                                       Rcpp::IntegerMatrix slots, std::string loss,
                                                       double spec, int n_threads) {
  NEMBED_GLUE_BEGIN
  RcppParallelExecutor exec(n_threads);
  const std::size_t m = Y.nrow();
  const int d = Y.ncol();
  GradientHookInput<CneTransformWork> in(heads, tails, slots, loss, spec, m, d);
  std::vector<int> pl(pool.size());
  for (R_xlen_t s = 0; s < pool.size(); ++s) pl[s] = pool[s] - 1;
  const std::vector<float> y = rowmajor<float>(Y);
  const std::vector<float> fixed = rowmajor<float>(ref);
  cne_transform_batch_gradient<0>(y, fixed, d, in.heads.data(), in.tails.data(), in.b, pl.data(),
                                  in.slots, in.m, in.loss, in.work, exec);
  return in.gradient(in.work.touched, m, d);
  NEMBED_GLUE_END
}
