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
  const std::size_t n = Y.nrow(), b = heads.size();
  const int d = Y.ncol(), m = slots.ncol();
  std::vector<int> h(b), t(b), sl(b * m);
  for (std::size_t r = 0; r < b; ++r) {
    h[r] = heads[r] - 1;
    t[r] = tails[r] - 1;
    for (int q = 0; q < m; ++q) sl[r * m + q] = slots(r, q) - 1;
  }
  std::vector<float> y = rowmajor<float>(Y);
  CnePairLoss L;
  L.kind = enum_from_name(loss_names, loss, "loss");
  L.spec = spec;
  CneBatchWork w;
  w.G.assign(n * d, 0.0f);
  w.stamp.assign(n, 0u);
  std::vector<int> touched;
  const double dz = cne_batch_gradient<0>(y, d, h.data(), t.data(), b, sl, m, L, w, touched, exec);
  Rcpp::NumericMatrix G(n, d);
  for (int p : touched)
    for (int k = 0; k < d; ++k) G(p, k) = w.G[static_cast<std::size_t>(p) * d + k];
  return Rcpp::List::create(Rcpp::Named("gradient") = G, Rcpp::Named("dlogz") = dz);
  NEMBED_GLUE_END
}
