// Parametric contrastive neighbour embeddings: a multilayer perceptron (ReLU) maps the input to the
// embedding and is trained with Adam on the contrastive losses of contrastive.hpp, as the parametric
// mode of contrastive-ne (Damrich, Boehm, Hamprecht & Kobak, ICLR 2023) does it:
//   * every epoch the directed kNN edges are shuffled and cut into batches of b pairs; the batch's
//     pool is its 2b endpoints (heads, then tails), each put through the network (a point that
//     appears twice in the pool is two rows, as under autograd);
//   * each head draws its negatives from the pool (cne_negative_slots, once per epoch), the pair
//     losses are summed over the batch (CnePairLoss::gradient gives d loss / d output per pool row)
//     and the sum is back-propagated through the network;
//   * Adam (beta 0.9 / 0.999, eps 1e-8) at the rate learning_rate (1 - epoch / n_epochs); NCE's
//     log Z is one more Adam parameter.
// Forward and backward passes are matrix products over fixed blocks of pool rows (kParametricBlock),
// which run in parallel; each block writes its own weight-gradient partial and the calling thread
// adds the partials in block order, so the result is the same for a given seed whatever the number
// of threads. The network is templated on the scalar: training runs in float, the gradient check
// of the test suite in double through the same code.
#ifndef NEMBED_PARAMETRIC_HPP
#define NEMBED_PARAMETRIC_HPP

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nembed/contrastive.hpp"
#include "nembed/control.hpp"
#include "nembed/parallel.hpp"
#include "nembed/rng.hpp"

namespace nembed {

template <typename T>
using RowMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <typename T>
using ColMat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
template <typename T>
using ColVec = Eigen::Matrix<T, Eigen::Dynamic, 1>;

// Pool rows per parallel block of the forward / backward pass; fixed, so that the order of every
// sum is independent of the thread count.
constexpr std::size_t kParametricBlock = 256;

// sizes[0] inputs -> sizes[1..L-1] hidden units (ReLU) -> sizes[L] outputs (linear). Layer l maps
// a row h to h W[l] + b[l]^T, W[l] is sizes[l] x sizes[l+1].
template <typename T>
struct Mlp {
  std::vector<ColMat<T>> W;
  std::vector<ColVec<T>> b;
  int n_layers() const { return static_cast<int>(W.size()); }

  void zeros_like(const Mlp& o) {
    W.resize(o.W.size());
    b.resize(o.b.size());
    for (std::size_t l = 0; l < o.W.size(); ++l) {
      W[l].setZero(o.W[l].rows(), o.W[l].cols());
      b[l].setZero(o.b[l].size());
    }
  }
  void add(const Mlp& o) {
    for (std::size_t l = 0; l < W.size(); ++l) {
      W[l] += o.W[l];
      b[l] += o.b[l];
    }
  }
};

// PyTorch's default for nn.Linear (what contrastive-ne's network starts from): weights and biases
// uniform in [-1/sqrt(fan_in), 1/sqrt(fan_in)].
template <typename T>
Mlp<T> mlp_init(const std::vector<int>& sizes, std::uint64_t seed) {
  Mlp<T> net;
  Rng rng(seed, 0x5EEDULL);
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(sizes[l]));
    ColMat<T> W(sizes[l], sizes[l + 1]);
    for (Eigen::Index c = 0; c < W.cols(); ++c)
      for (Eigen::Index r = 0; r < W.rows(); ++r)
        W(r, c) = static_cast<T>((2.0 * rng.uniform() - 1.0) * bound);
    ColVec<T> b(sizes[l + 1]);
    for (Eigen::Index r = 0; r < b.size(); ++r) b(r) = static_cast<T>((2.0 * rng.uniform() - 1.0) * bound);
    net.W.push_back(std::move(W));
    net.b.push_back(std::move(b));
  }
  return net;
}

// The activations of one block of rows: A[0] the input, A[l + 1] the output of layer l (after the
// ReLU for hidden layers); A.back() is the network's output.
template <typename T>
struct MlpTape {
  std::vector<RowMat<T>> A;
};

template <typename T>
void mlp_forward(const Mlp<T>& net, MlpTape<T>& tape) {
  const int L = net.n_layers();
  tape.A.resize(L + 1);
  for (int l = 0; l < L; ++l) {
    tape.A[l + 1].noalias() = tape.A[l] * net.W[l];
    tape.A[l + 1].rowwise() += net.b[l].transpose();
    if (l + 1 < L) tape.A[l + 1] = tape.A[l + 1].cwiseMax(T(0));
  }
}

// Back-propagates G = d loss / d output (rows of the tape's block) and writes the gradient of the
// block's loss with respect to every weight and bias to grad (same shapes as net).
template <typename T>
void mlp_backward(const Mlp<T>& net, const MlpTape<T>& tape, RowMat<T>& G, Mlp<T>& grad) {
  const int L = net.n_layers();
  RowMat<T> Gp;
  for (int l = L - 1; l >= 0; --l) {
    grad.W[l].noalias() = tape.A[l].transpose() * G;
    grad.b[l] = G.colwise().sum().transpose();
    if (l > 0) {
      Gp.noalias() = G * net.W[l].transpose();
      // ReLU: A[l] > 0 exactly where its pre-activation was positive.
      G = (tape.A[l].array() > T(0)).select(Gp.array(), T(0));
    }
  }
}

// Forward pass of n rows of X (row-major, n x sizes[0]) in fixed blocks, in parallel: the
// embedding of new points (one pass, no optimisation).
template <typename T, class Exec>
RowMat<T> mlp_transform(const Mlp<T>& net, const RowMat<T>& X, const Exec& exec) {
  const std::size_t n = static_cast<std::size_t>(X.rows());
  const Eigen::Index out = net.W.empty() ? X.cols() : net.W.back().cols();
  RowMat<T> Y(n, out);
  const std::size_t block = 1024;
  for_each_block(exec, n, block, [&](std::size_t, std::size_t s, std::size_t e) {
    MlpTape<T> tape;
    tape.A.resize(1);
    tape.A[0] = X.middleRows(s, e - s);
    mlp_forward(net, tape);
    Y.middleRows(s, e - s) = tape.A.back();
  });
  return Y;
}

// The map from the user's columns to the network's input: (x - center) R / scale, with R the PCA
// rotation (empty: none).
template <typename T>
struct InputMap {
  ColVec<T> center;
  ColMat<T> R;
  T scale = T(1);
};

// The forward pass of new data in its original columns: the input map and the network, block by
// block in parallel (the wide projection is the larger part of the work for wide data).
template <typename T, class Exec>
RowMat<T> mlp_transform_mapped(const Mlp<T>& net, const InputMap<T>& map, const RowMat<T>& X,
                               const Exec& exec) {
  const std::size_t n = static_cast<std::size_t>(X.rows());
  const Eigen::Index out = net.W.back().cols();
  RowMat<T> Y(n, out);
  const std::size_t block = 1024;
  for_each_block(exec, n, block, [&](std::size_t, std::size_t s, std::size_t e) {
    MlpTape<T> tape;
    tape.A.resize(1);
    RowMat<T> C = X.middleRows(s, e - s);
    C.rowwise() -= map.center.transpose();
    if (map.R.size() > 0) tape.A[0].noalias() = C * map.R;
    else tape.A[0] = C;
    tape.A[0] /= map.scale;
    mlp_forward(net, tape);
    Y.middleRows(s, e - s) = tape.A.back();
  });
  return Y;
}

// The value of one pair's loss (head yh, tail yl[0], negatives yl[1..m]) with the reference's
// clamps, matching CnePairLoss::gradient term by term (a clamped term is constant there).
template <typename T>
double cne_pair_loss_value(const CnePairLoss& loss, const T* yh, const T* const* yl, int m, int D) {
  const double low = loss.clamp_low;
  auto d2 = [&](const T* a) {
    double s = 0.0;
    for (int d = 0; d < D; ++d) {
      const double u = static_cast<double>(yh[d]) - static_cast<double>(a[d]);
      s += u * u;
    }
    return s;
  };
  auto clamp01 = [&](double v) { return std::min(1.0, std::max(low, v)); };
  const double eps = loss.eps;
  double value = 0.0;
  if (loss.kind == LossKind::infonce) {
    double S = 0.0;
    for (int l = 0; l <= m; ++l) S += clamp01(1.0 / (eps + d2(yl[l])));
    value = -std::log(clamp01(1.0 / (eps + d2(yl[0])))) + std::log(S) / loss.spec;
    return loss.infonce_scale * value;
  }
  for (int l = 0; l <= m; ++l) {
    const double q = d2(yl[l]) + eps;
    const double p = loss.kind == LossKind::umap ? 1.0 / q : 1.0 / (1.0 + loss.spec * q);
    value -= l == 0 ? std::log(clamp01(p)) : std::log(clamp01(1.0 - p));
  }
  return value;
}

// The summed loss of a batch of b pairs whose pool rows are Y (2b x D, row-major: heads, then
// tails) and its gradient dY with respect to every pool row; slots: b x m pool slots of the
// negatives. Adds up in pair order on the calling thread. Returns the loss; *dz receives
// d loss / d log Z (NEG / NCE).
template <typename T>
double cne_pool_loss(const CnePairLoss& loss, const RowMat<T>& Y, std::size_t b,
                     const std::vector<int>& slots, int m, RowMat<T>& dY, double* dz) {
  const int D = static_cast<int>(Y.cols());
  dY.setZero(Y.rows(), Y.cols());
  // CnePairLoss works in float: a float copy of the pool.
  std::vector<float> yf(static_cast<std::size_t>(Y.size()));
  for (Eigen::Index r = 0; r < Y.rows(); ++r)
    for (int d = 0; d < D; ++d) yf[r * D + d] = static_cast<float>(Y(r, d));
  std::vector<float> gh(D), gl(static_cast<std::size_t>(m + 1) * D);
  std::vector<const float*> ylf(m + 1);
  std::vector<const T*> ylt(m + 1);
  double value = 0.0, z = 0.0;
  for (std::size_t r = 0; r < b; ++r) {
    const std::size_t tail = b + r;
    ylf[0] = yf.data() + tail * D;
    ylt[0] = Y.data() + tail * D;
    for (int q = 0; q < m; ++q) {
      const std::size_t s = static_cast<std::size_t>(slots[r * m + q]);
      ylf[q + 1] = yf.data() + s * D;
      ylt[q + 1] = Y.data() + s * D;
    }
    z += loss.gradient<0>(yf.data() + r * D, ylf.data(), m, D, gh.data(), gl.data());
    value += cne_pair_loss_value<T>(loss, Y.data() + r * D, ylt.data(), m, D);
    for (int d = 0; d < D; ++d) dY(r, d) += gh[d];
    for (int d = 0; d < D; ++d) dY(tail, d) += gl[d];
    for (int q = 0; q < m; ++q) {
      const std::size_t s = static_cast<std::size_t>(slots[r * m + q]);
      for (int d = 0; d < D; ++d) dY(s, d) += gl[(q + 1) * D + d];
    }
  }
  if (dz) *dz = z;
  return value;
}

// Loss and gradient (with respect to every weight and bias) of one batch: pool rows X (2b x p,
// heads then tails) through the network, negatives `slots`. The gradient check of the tests
// drives this in double; training calls the same pieces block by block.
template <typename T, class Exec>
double parametric_batch_gradient(const Mlp<T>& net, const RowMat<T>& Xpool, std::size_t b,
                                 const std::vector<int>& slots, int m, const CnePairLoss& loss,
                                 std::vector<MlpTape<T>>& tapes, std::vector<Mlp<T>>& partial,
                                 Mlp<T>& grad, RowMat<T>& Y, RowMat<T>& dY, double* dz,
                                 const Exec& exec) {
  const std::size_t rows = static_cast<std::size_t>(Xpool.rows());
  const std::size_t nb = n_blocks(rows, kParametricBlock);
  if (tapes.size() < nb) tapes.resize(nb);
  if (partial.size() < nb) partial.resize(nb);
  const Eigen::Index out = net.W.back().cols();
  Y.resize(rows, out);
  for_each_block(exec, rows, kParametricBlock, [&](std::size_t bi, std::size_t s, std::size_t e) {
    MlpTape<T>& tape = tapes[bi];
    tape.A.resize(net.n_layers() + 1);
    tape.A[0] = Xpool.middleRows(s, e - s);
    mlp_forward(net, tape);
    Y.middleRows(s, e - s) = tape.A.back();
  });
  const double value = cne_pool_loss<T>(loss, Y, b, slots, m, dY, dz);
  for_each_block(exec, rows, kParametricBlock, [&](std::size_t bi, std::size_t s, std::size_t e) {
    if (partial[bi].W.size() != net.W.size()) partial[bi].zeros_like(net);
    RowMat<T> G = dY.middleRows(s, e - s);
    mlp_backward(net, tapes[bi], G, partial[bi]);
  });
  // Partials added in block order: the same sum whatever the number of threads.
  grad = partial[0];
  for (std::size_t bi = 1; bi < nb; ++bi) grad.add(partial[bi]);
  return value;
}

// The schedule of the contrastive SGD (contrastive.hpp) with Adam's settings; InfoNCE and 100
// epochs by default.
struct ParametricOptions : CneSchedule {
  double learning_rate = 1e-3;
  double beta1 = 0.9, beta2 = 0.999, adam_eps = 1e-8;
  ParametricOptions() {
    n_epochs = 100;
    kind = LossKind::infonce;
    label = "parametric";
  }
};

struct ParametricResult {
  std::vector<double> epoch_loss;  // mean loss per positive pair, per epoch
  double spec = 1.0;               // final c (NCE: min(m, 2b - 1) Z) or rho
  double log_z = 0.0;              // NCE
  int epochs_done = 0;
};

// Adam state of the network's parameters.
template <typename T>
struct Adam {
  Mlp<T> m, v;
  long long t = 0;
  double lz_m = 0.0, lz_v = 0.0;

  void step(Mlp<T>& net, const Mlp<T>& g, double lr, const ParametricOptions& o) {
    if (m.W.size() != net.W.size()) {
      m.zeros_like(net);
      v.zeros_like(net);
    }
    ++t;
    const T b1 = static_cast<T>(o.beta1), b2 = static_cast<T>(o.beta2);
    const T c1 = static_cast<T>(1.0 - std::pow(o.beta1, static_cast<double>(t)));
    const T c2 = static_cast<T>(1.0 - std::pow(o.beta2, static_cast<double>(t)));
    const T a = static_cast<T>(lr), e = static_cast<T>(o.adam_eps);
    auto upd = [&](auto& p, auto& mm, auto& vv, const auto& gg) {
      mm.array() = b1 * mm.array() + (T(1) - b1) * gg.array();
      vv.array() = b2 * vv.array() + (T(1) - b2) * gg.array().square();
      p.array() -= a * (mm.array() / c1) / ((vv.array() / c2).sqrt() + e);
    };
    for (std::size_t l = 0; l < net.W.size(); ++l) {
      upd(net.W[l], m.W[l], v.W[l], g.W[l]);
      upd(net.b[l], m.b[l], v.b[l], g.b[l]);
    }
  }
  // NCE's log Z, at the same step count as the network (call after step()).
  double step_scalar(double p, double g, double lr, const ParametricOptions& o) {
    lz_m = o.beta1 * lz_m + (1.0 - o.beta1) * g;
    lz_v = o.beta2 * lz_v + (1.0 - o.beta2) * g * g;
    const double c1 = 1.0 - std::pow(o.beta1, static_cast<double>(t));
    const double c2 = 1.0 - std::pow(o.beta2, static_cast<double>(t));
    return p - lr * (lz_m / c1) / (std::sqrt(lz_v / c2) + o.adam_eps);
  }
};

// Trains net on the directed edges heads[e] -> tails[e] between the rows of X (n x p, row-major,
// float). Control::check() runs after every batch (Ctrl-C within one batch).
template <class Exec>
ParametricResult parametric_train(Mlp<float>& net, const RowMat<float>& X,
                                  const std::vector<int>& heads, const std::vector<int>& tails,
                                  const ParametricOptions& opt, double log_z0, const Exec& exec,
                                  Control& control) {
  const std::size_t E = heads.size();
  ParametricResult res;
  res.log_z = log_z0;
  if (E == 0 || opt.n_epochs <= 0) return res;
  std::vector<MlpTape<float>> tapes;
  std::vector<Mlp<float>> partial;
  Mlp<float> grad;
  RowMat<float> Xpool, Y, dY;
  Adam<float> adam;
  CnePairLoss loss;
  const int every = std::max(1, opt.n_epochs / 10);
  double epoch_sum = 0.0;
  const std::size_t b = cne_epoch_schedule(
      E, opt, loss, res.log_z,
      [&](int epoch, const std::size_t* edges, std::size_t bb, const std::vector<int>& slots, int me) {
        const double lr = opt.learning_rate *
                          (1.0 - static_cast<double>(epoch) / static_cast<double>(opt.n_epochs));
        Xpool.resize(2 * bb, X.cols());
        for (std::size_t r = 0; r < bb; ++r) {
          Xpool.row(r) = X.row(heads[edges[r]]);
          Xpool.row(bb + r) = X.row(tails[edges[r]]);
        }
        double dz = 0.0;
        epoch_sum += parametric_batch_gradient<float>(net, Xpool, bb, slots, me, loss, tapes,
                                                      partial, grad, Y, dY, &dz, exec);
        adam.step(net, grad, lr, opt);
        if (opt.kind == LossKind::nce) res.log_z = adam.step_scalar(res.log_z, dz, lr, opt);
        control.check();
      },
      [&](int epoch) {
        res.epoch_loss.push_back(epoch_sum / static_cast<double>(E));
        epoch_sum = 0.0;
        res.epochs_done = epoch + 1;
        if (control.verbose() && ((epoch + 1) % every == 0 || epoch + 1 == opt.n_epochs))
          control.message(opt.label + ": epoch " + std::to_string(epoch + 1) + " / " +
                          std::to_string(opt.n_epochs) + ", loss " +
                          std::to_string(res.epoch_loss.back()));
      });
  res.spec = cne_final_spec(opt, b, res.log_z);
  return res;
}

}  // namespace nembed

#endif
