// Glue: parametric contrastive embeddings (training, forward pass, gradient check hook). Each
// function takes the data and ONE named list of options, read into the core's options struct with
// its defaults; an unknown name is an error.
#include <RcppEigen.h>

#include <string>
#include <vector>

#include "nembed/graph.hpp"
#include "nembed/parametric.hpp"
#include "params.h"
#include "rcpp_convert.h"
#include "rcpp_executor.h"

using namespace nembed;

namespace {

// The network from R: weights = list of in x out matrices, biases = list of vectors.
template <typename T>
Mlp<T> mlp_from_r(const Rcpp::List& weights, const Rcpp::List& biases) {
  if (weights.size() != biases.size() || weights.size() == 0)
    throw Error("value", "model", "weights and biases must be non-empty lists of the same length");
  Mlp<T> net;
  for (R_xlen_t l = 0; l < weights.size(); ++l) {
    Rcpp::NumericMatrix W = weights[l];
    Rcpp::NumericVector b = biases[l];
    if (b.size() != W.ncol() || (l > 0 && W.nrow() != net.W.back().cols()))
      throw Error("value", "model", "layer " + std::to_string(l + 1) + " has inconsistent sizes");
    ColMat<T> Wl = dense_from_r<ColMat<T>>(W);
    ColVec<T> bl(b.size());
    for (R_xlen_t r = 0; r < b.size(); ++r) bl(r) = static_cast<T>(b[r]);
    net.W.push_back(std::move(Wl));
    net.b.push_back(std::move(bl));
  }
  return net;
}

template <typename T>
Rcpp::List mlp_to_r(const Mlp<T>& net) {
  Rcpp::List W(net.W.size()), b(net.b.size());
  for (std::size_t l = 0; l < net.W.size(); ++l) {
    Rcpp::NumericMatrix Wl = dense_to_r(net.W[l]);
    Rcpp::NumericVector bl(net.b[l].size());
    for (Eigen::Index r = 0; r < net.b[l].size(); ++r) bl[r] = net.b[l](r);
    W[l] = Wl;
    b[l] = bl;
  }
  return Rcpp::List::create(Rcpp::Named("weights") = W, Rcpp::Named("biases") = b);
}

}  // namespace

// Trains the network (layer sizes `sizes`, input ncol(X)) on the directed edges of the binary
// symmetric graph W (dgCMatrix) between the rows of X. options: loss ("neg", "nce", "infonce",
// "umap"), n_epochs, n_early, spec, spec_early, n_negatives, batch_size, learning_rate, seed,
// n_threads, verbose.
// [[Rcpp::export]]
Rcpp::List parametric_train_cpp(Rcpp::NumericMatrix X, SEXP W, Rcpp::IntegerVector sizes,
                                Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  OptionReader opt(options);
  ParametricOptions par;
  opt.read_enum("loss", par.kind, loss_names);
  par.label = std::string("parametric ") + enum_name(loss_names, par.kind);
  par.spec_early = -1.0;  // not given: the spec of the whole run
  opt.read("n_epochs", par.n_epochs, "n_early", par.n_early, "spec", par.spec, "spec_early",
           par.spec_early, "n_negatives", par.n_negatives, "batch_size", par.batch_size,
           "learning_rate", par.learning_rate, "seed", par.seed);
  if (par.spec_early < 0) par.spec_early = par.spec;
  GlueRun run(opt);
  std::vector<int> sz(sizes.begin(), sizes.end());
  if (sz.size() < 2 || sz[0] != X.ncol())
    throw Error("size", "sizes", "layer sizes must start with ncol(X) and have an output layer");
  std::vector<int> heads, tails;
  positive_edges(csr_from_r(W), heads, tails);
  Mlp<float> net = mlp_init<float>(sz, par.seed);
  const RowMat<float> Xf = dense_from_r<RowMat<float>>(X);
  const RowMat<float> Y0 = mlp_transform(net, Xf, run.exec);
  ParametricResult r = parametric_train(net, Xf, heads, tails, par, 0.0, run.exec, run.control);
  const RowMat<float> Y = mlp_transform(net, Xf, run.exec);
  Rcpp::List model = mlp_to_r(net);
  return Rcpp::List::create(Rcpp::Named("Y") = dense_to_r(Y), Rcpp::Named("Y0") = dense_to_r(Y0),
                            Rcpp::Named("weights") = model["weights"],
                            Rcpp::Named("biases") = model["biases"],
                            Rcpp::Named("loss") = Rcpp::wrap(r.epoch_loss),
                            Rcpp::Named("spec") = r.spec, Rcpp::Named("log_z") = r.log_z);
  NEMBED_GLUE_END
}

// The forward pass of new data: (X - center) rotation / scale, then the network, all in C++
// (R's reference BLAS would make the wide projection the slowest step). rotation: a 0 x 0 matrix
// for none.
// [[Rcpp::export]]
Rcpp::NumericMatrix parametric_transform_cpp(Rcpp::NumericMatrix X, Rcpp::NumericVector center,
                                             Rcpp::NumericMatrix rotation, double scale,
                                             Rcpp::List weights, Rcpp::List biases,
                                             Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  GlueRun run(options);
  const auto& exec = run.exec;
  const Mlp<float> net = mlp_from_r<float>(weights, biases);
  if (center.size() != X.ncol())
    throw Error("size", "X_new", "X has " + std::to_string(X.ncol()) + " columns, the model " +
                                    std::to_string(center.size()));
  InputMap<float> map;
  map.center.resize(center.size());
  for (R_xlen_t c = 0; c < center.size(); ++c) map.center(c) = static_cast<float>(center[c]);
  if (rotation.nrow() > 0) {
    if (rotation.nrow() != X.ncol())
      throw Error("size", "model", "the rotation does not match the columns of X");
    map.R = dense_from_r<ColMat<float>>(rotation);
  }
  map.scale = static_cast<float>(scale);
  const Eigen::Index in = map.R.size() > 0 ? map.R.cols() : X.ncol();
  if (net.W[0].rows() != in)
    throw Error("size", "model", "the network's input does not match the input map");
  return dense_to_r(mlp_transform_mapped(net, map, dense_from_r<RowMat<float>>(X), exec));
  NEMBED_GLUE_END
}

// Test hook: loss and gradient, in double, of one batch through the network. X: the 2b pool rows
// (heads, then tails); slots: b x m matrix of 1-based pool slots of the negatives. options: loss
// (a name as in parametric_train_cpp), spec.
// [[Rcpp::export]]
Rcpp::List parametric_batch_gradient_cpp(Rcpp::NumericMatrix X, Rcpp::List weights,
                                         Rcpp::List biases, Rcpp::IntegerMatrix slots,
                                         Rcpp::List options) {
  NEMBED_GLUE_BEGIN
  const Mlp<double> net = mlp_from_r<double>(weights, biases);
  CnePairLoss loss;
  OptionReader opt(options);
  opt.read_enum("loss", loss.kind, loss_names);
  opt.read("spec", loss.spec);
  opt.done();
  const std::size_t b = slots.nrow();
  const int m = slots.ncol();
  if (static_cast<std::size_t>(X.nrow()) != 2 * b)
    throw Error("size", "X", "X must have 2 x nrow(slots) rows");
  std::vector<int> sl(b * m);
  for (std::size_t r = 0; r < b; ++r)
    for (int q = 0; q < m; ++q) sl[r * m + q] = slots(r, q) - 1;
  std::vector<MlpTape<double>> tapes;
  std::vector<Mlp<double>> partial;
  Mlp<double> grad;
  RowMat<double> Y, dY;
  double dz = 0.0;
  const double value = parametric_batch_gradient<double>(net, dense_from_r<RowMat<double>>(X), b,
                                                         sl, m, loss, tapes, partial, grad, Y, dY,
                                                         &dz, SerialExecutor());
  Rcpp::List g = mlp_to_r(grad);
  return Rcpp::List::create(Rcpp::Named("loss") = value, Rcpp::Named("weights") = g["weights"],
                            Rcpp::Named("biases") = g["biases"], Rcpp::Named("Y") = dense_to_r(Y),
                            Rcpp::Named("dz") = dz);
  NEMBED_GLUE_END
}
