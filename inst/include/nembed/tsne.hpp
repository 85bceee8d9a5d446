// t-SNE optimisation (the FIt-SNE / Kobak & Berens recipe): gradient descent with momentum and
// delta-bar-delta gains, early exaggeration, per-point step clipping and re-centring, with the
// repulsion from the exact sum, Barnes-Hut or FFT interpolation and any kernel dof.
//
// Gradient convention (as bhtsne, FIt-SNE and openTSNE; the true KL gradient is 4x this):
//   g_i = rho * sum_j p_ij t_ij (y_i - y_j) - (1/Z) sum_j w_ij t_ij (y_i - y_j),
// t = 1 / (1 + d^2/dof), w = t^dof, Z = sum_{k != l} w_kl.
#ifndef NEMBED_TSNE_HPP
#define NEMBED_TSNE_HPP

#include <chrono>
#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "nembed/tsne_barnes_hut.hpp"
#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/tsne_fft.hpp"
#include "nembed/locality.hpp"
#include "nembed/parallel.hpp"
#include "nembed/tsne_exact.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

enum class RepulsionMethod { exact, barnes_hut, fft };
inline constexpr std::pair<const char*, RepulsionMethod> repulsion_names[] = {
    {"exact", RepulsionMethod::exact}, {"bh", RepulsionMethod::barnes_hut}, {"fft", RepulsionMethod::fft}};

struct TsneParams {
  int n_iter = 750;
  int early_iter = 250;         // iterations with early exaggeration (and the first momentum)
  double early_exaggeration = 12.0;
  double exaggeration = 1.0;    // after the early phase
  double learning_rate = 200.0;        // after the early phase
  double early_learning_rate = 200.0;  // during it (R's "auto": n / early_exaggeration)
  double momentum = 0.5;
  double final_momentum = 0.8;
  double dof = 1.0;
  RepulsionMethod repulsion = RepulsionMethod::fft;
  double theta = 0.5;
  FftParams fft;
  double max_step_norm = 5.0;   // per-point update clipping (FIt-SNE >= 1.2, openTSNE)
  int eval_every = 50;          // KL divergence (and progress) every so many iterations
  // Renumber the points along a Hilbert curve of the layout (locality.hpp) from this many points
  // on: at the start, every reorder_every iterations of the early phase (as clusters form) and
  // at its end. Below it the layout fits in cache and nothing is gained.
  std::size_t reorder_min_n = 65536;
  int reorder_every = 50;
};

// The caller's symmetric P (a dgCMatrix's p, i, x) that a SparseP was made from. While the caller
// keeps these arrays alive (the glue call does), renumbering rebuilds P from them in place
// instead of through a second copy of an array (at 10^6 points x 90 neighbours, 0.5 GB).
struct CscSource {
  const int* p = nullptr;
  const int* i = nullptr;
  const double* x = nullptr;
  double total = 1.0;  // sum of x: the values are x / total
  bool empty() const { return p == nullptr; }
};

// Sparse P in the graph layer's CSR with float values: the attraction pass is memory-bound, and
// float halves the traffic without changing the result beyond t-SNE's own noise.
struct SparseP : BasicCsr<float> {
  double sum_plogp = 0.0;  // sum p log p, for the KL divergence
  CscSource source;        // where the values came from (empty: P owns the only copy)
};

// `p`, `i`, `x` must outlive the SparseP when `keep_source` (see CscSource).
inline SparseP make_sparse_p(std::size_t n, const int* p, const int* i, const double* x,
                             bool keep_source = false) {
  SparseP P;
  P.n = n;
  P.ptr.assign(p, p + n + 1);
  P.idx.assign(i, i + p[n]);
  P.val.resize(p[n]);
  double total = 0.0;
  for (int q = 0; q < p[n]; ++q) total += x[q];
  // Normalise to sum 1 (P from affinities() already is; user matrices may not be).
  double s = 0.0;
  for (int q = 0; q < p[n]; ++q) {
    const double v = x[q] / total;
    P.val[q] = static_cast<float>(v);
    if (v > 0) s += v * std::log(v);
  }
  P.sum_plogp = s;
  if (keep_source) P.source = CscSource{p, i, x, total};
  return P;
}

// P from a symmetric CsrGraph (e.g. symmetrize()'s result), taken over: the same SparseP as
// make_sparse_p() of the dgCMatrix the graph would become (values float(x / total), total summed
// in storage order), with no source, and without a second copy of the indices.
inline SparseP make_sparse_p(CsrGraph&& g) {
  SparseP P;
  P.n = g.n;
  double total = 0.0;
  for (double x : g.val) total += x;
  std::vector<float> val(g.val.size());
  double s = 0.0;
  for (std::size_t q = 0; q < g.val.size(); ++q) {
    const double v = g.val[q] / total;
    val[q] = static_cast<float>(v);
    if (v > 0) s += v * std::log(v);
  }
  std::vector<double>().swap(g.val);
  P.ptr = std::move(g.ptr);
  P.idx = std::move(g.idx);
  P.val = std::move(val);
  P.sum_plogp = s;
  return P;
}

// P with its points renumbered: row r of the result is row order[r] of P, and column j becomes
// the new number of point j. The rows are moved, not reached through an index: read in storage
// order the pass over P streams, and the gradient at 10^6 points takes half the time of the
// indexed version. The arrays are rebuilt one at a time, so the extra memory is one array, not a
// second P. Fresh memory is not free (page faults cost up to ~3 s per GB on a virtual machine),
// so this runs rarely, and `between()` runs between the two arrays (an interrupt check).
template <class Exec, class Between>
void renumber_points(SparseP& P, const std::vector<int>& order, const Exec& exec,
                     Between&& between) {
  const std::size_t n = P.n;
  std::vector<int> inv(n);
  for (std::size_t r = 0; r < n; ++r) inv[order[r]] = static_cast<int>(r);
  std::vector<std::size_t> ptr(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r)
    ptr[r + 1] = ptr[r] + (P.ptr[order[r] + 1] - P.ptr[order[r]]);
  {
    std::vector<int> idx(P.idx.size());
    exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        std::size_t q = ptr[r];
        for (std::size_t s = P.ptr[order[r]]; s < P.ptr[order[r] + 1]; ++s) idx[q++] = inv[P.idx[s]];
      }
    }, 1024);
    P.idx.swap(idx);
  }
  between();
  {
    std::vector<float> val(P.val.size());
    exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r)
        std::copy(P.val.begin() + P.ptr[order[r]], P.val.begin() + P.ptr[order[r] + 1],
                  val.begin() + ptr[r]);
    }, 1024);
    P.val.swap(val);
  }
  P.ptr.swap(ptr);
}

// P renumbered from its source (see CscSource) in place: row r becomes the source's row
// order[r] (order: internal number -> the caller's), column j the new number of the caller's
// point j. Entries and values are those renumber_points() arrives at through any sequence of
// renumberings composing to `order` (same entry order in a row, the same float(x / total)), but
// no array is allocated beyond the n-sized inverse.
template <class Exec>
void renumber_from_source(SparseP& P, const std::vector<int>& order, const Exec& exec) {
  const std::size_t n = P.n;
  const CscSource& src = P.source;
  std::vector<int> inv(n);
  for (std::size_t r = 0; r < n; ++r) inv[order[r]] = static_cast<int>(r);
  for (std::size_t r = 0; r < n; ++r)
    P.ptr[r + 1] = P.ptr[r] + static_cast<std::size_t>(src.p[order[r] + 1] - src.p[order[r]]);
  exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t q = P.ptr[r];
      for (int s = src.p[order[r]]; s < src.p[order[r] + 1]; ++s, ++q) {
        P.idx[q] = inv[src.i[s]];
        P.val[q] = static_cast<float>(src.x[s] / src.total);
      }
    }
  }, 1024);
}

struct TsneTrace {
  std::vector<int> iter;
  std::vector<double> kl;
  std::vector<double> Z;
};

template <int D>
class TsneOptimizer {
 public:
  // Takes P over: it is renumbered with the points (see locality.hpp).
  template <class Exec>
  TsneOptimizer(SparseP P, std::vector<double> Y, TsneParams par, const Exec& exec,
                Control& control = null_control())
      : P_(std::move(P)), Y_(std::move(Y)), par_(par), n_(P_.n), fft_(par.fft) {
    kern_.dof = par_.dof;
    update_.assign(n_ * D, 0.0);
    gains_.assign(n_ * D, 1.0);
    grad_.assign(n_ * D, 0.0);
    reorder(exec, control);
  }

  // Layout and last gradient in the caller's order of the points.
  std::vector<double> Y() const { return in_caller_order(Y_); }
  std::vector<double> gradient() const { return in_caller_order(grad_); }
  double last_Z() const { return rep_.Z; }

  // The vector instructions of the 2-D attraction and near field (simd.hpp; default the widest
  // available; tests: every path gives the same bits). Asking for more than the CPU has gives
  // the widest it has.
  void use_simd(Simd want) {
    simd_ = usable_simd(want);
    fft_.use_simd(simd_);
  }

  // Time per phase of run()'s iterations, when switched on before run().
  void time_phases(bool on) {
    times_.on = on;
    fft_.set_phase_times(on ? &times_ : nullptr);
  }
  const TsnePhaseTimes& phase_times() const { return times_; }

  // Computes the gradient at the current Y with attraction weight rho; optionally the KL
  // divergence of the (unexaggerated) P, which costs one log per edge and nothing O(n^2).
  template <class Exec>
  double compute_gradient(double rho, bool want_kl, const Exec& exec) {
    switch (par_.repulsion) {
      case RepulsionMethod::exact:
        repulsion_exact<D>(Y_, n_, kern_, rep_, exec);
        times_.lap(TsnePhase::repulsion);
        break;
      case RepulsionMethod::barnes_hut:
        repulsion_barnes_hut<D>(Y_, n_, kern_, par_.theta, tree_, rep_, exec);
        times_.lap(TsnePhase::repulsion);
        break;
      case RepulsionMethod::fft:
        if constexpr (D <= 2) fft_.compute(Y_, n_, kern_, rep_, exec);
        break;
    }
    const double invZ = 1.0 / rep_.Z;
    const bool cauchy = kern_.cauchy();
    const double plogw =
        want_kl ? (cauchy ? attract<true, true>(rho, invZ, exec) : attract<true, false>(rho, invZ, exec))
                : (cauchy ? attract<false, true>(rho, invZ, exec)
                          : attract<false, false>(rho, invZ, exec));
    times_.lap(TsnePhase::attraction);
    if (!want_kl) return NAN;
    // KL = sum p log p - sum p log w + log Z
    return P_.sum_plogp - plogw + std::log(rep_.Z);
  }

  // Attraction sum_j p_ij t_ij (y_i - y_j) of every point, combined with the repulsion into the
  // gradient; returns sum p log w when kKL. Instantiated per case so that the loop over P's
  // non-zeros (a third of an iteration at 10^4 points) carries no branch on them, and the Cauchy
  // kernel's t = 1 / (1 + d^2) skips the division by dof (exact: d^2 / 1 = d^2).
  template <bool kKL, bool kCauchy, class Exec>
  double attract(double rho, double invZ, const Exec& exec) {
    if constexpr (D == 2) {
      switch (simd_) {
        case Simd::avx: return attract_pass<kKL, kCauchy, Simd::avx>(rho, invZ, exec);
        case Simd::sse2: return attract_pass<kKL, kCauchy, Simd::sse2>(rho, invZ, exec);
        default: break;
      }
    }
    return attract_pass<kKL, kCauchy, Simd::portable>(rho, invZ, exec);
  }
  template <bool kKL, bool kCauchy, Simd kSimd, class Exec>
  double attract_pass(double rho, double invZ, const Exec& exec) {
    const double dof = kern_.dof;
    return block_sum(exec, n_, 1024, [&](std::size_t i0, std::size_t i1) {
      double acc = 0.0;
      for (std::size_t i = i0; i < i1; ++i) {
        double f[D] = {};
        const double* yi = &Y_[i * D];
        if constexpr (D == 2) {
          attract_row_2d<kKL, kCauchy, kSimd>(Y_.data(), yi, P_.idx.data(), P_.val.data(),
                                              P_.ptr[i], P_.ptr[i + 1], kern_, f, acc);
        } else {
          for (std::size_t q = P_.ptr[i]; q < P_.ptr[i + 1]; ++q) {
            const std::size_t j = static_cast<std::size_t>(P_.idx[q]);
            double diff[D], d2 = 0.0;
            for (int c = 0; c < D; ++c) {
              diff[c] = yi[c] - Y_[j * D + c];
              d2 += diff[c] * diff[c];
            }
            const double t = kCauchy ? 1.0 / (1.0 + d2) : 1.0 / (1.0 + d2 / dof);
            const double pt = static_cast<double>(P_.val[q]) * t;
            for (int c = 0; c < D; ++c) f[c] += pt * diff[c];
            if (kKL) acc += static_cast<double>(P_.val[q]) * std::log(kCauchy ? t : kern_.w_from_t(t));
          }
        }
        for (int c = 0; c < D; ++c)
          grad_[i * D + c] = rho * f[c] - invZ * rep_.force[i * D + c];
      }
      return acc;
    });
  }

  // One gradient-descent step. Returns the KL divergence when want_kl, NaN otherwise.
  template <class Exec>
  double step(double rho, double momentum, double lr, bool want_kl, const Exec& exec) {
    const double kl = compute_gradient(rho, want_kl, exec);
    const double maxstep = par_.max_step_norm;
    const std::size_t block = 4096;
    std::vector<double> mean_part(n_blocks(n_, block) * D, 0.0);
    for_each_block(exec, n_, block, [&](std::size_t b, std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        gain_momentum_step<D>(&grad_[i * D], momentum, lr, maxstep, &gains_[i * D],
                              &update_[i * D], &Y_[i * D]);
        for (int c = 0; c < D; ++c) mean_part[b * D + c] += Y_[i * D + c];
      }
    });
    double mean[D] = {};
    for (std::size_t b = 0; b < mean_part.size() / D; ++b)
      for (int c = 0; c < D; ++c) mean[c] += mean_part[b * D + c];
    for (int c = 0; c < D; ++c) mean[c] /= static_cast<double>(n_);
    exec.parallel_for(0, n_, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i)
        for (int c = 0; c < D; ++c) Y_[i * D + c] -= mean[c];
    }, 4096);
    times_.lap(TsnePhase::update);
    return kl;
  }

  // The whole schedule: early exaggeration, first momentum and early learning rate for early_iter
  // iterations, then exaggeration, final momentum and learning rate. The KL reported during
  // exaggeration is that of P itself.
  template <class Exec>
  TsneTrace run(const Exec& exec, Control& control, int iter_offset = 0) {
    TsneTrace tr;
    const auto t_start = std::chrono::steady_clock::now();
    auto record = [&](int done, double kl, bool early) {
      tr.iter.push_back(iter_offset + done);
      tr.kl.push_back(kl);
      tr.Z.push_back(rep_.Z);
      if (control.verbose()) {
        std::ostringstream os;
        os << "t-SNE iteration " << (iter_offset + done) << "/" << (iter_offset + par_.n_iter)
           << ": KL divergence " << kl << (early ? " (early exaggeration)" : "") << ", "
           << std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count()
           << " s";
        control.message(os.str());
      }
    };
    for (int it = 0; it < par_.n_iter; ++it) {
      const bool early = it < par_.early_iter;
      const double rho = early ? par_.early_exaggeration : par_.exaggeration;
      const double mom = early ? par_.momentum : par_.final_momentum;
      const double lr = early ? par_.early_learning_rate : par_.learning_rate;
      // A step evaluates the gradient (and the KL, when asked) at the iterate it starts from,
      // i.e. after `it` iterations.
      const bool eval = par_.eval_every > 0 && it > 0 && it % par_.eval_every == 0;
      times_.start();
      if (reorder_due(it)) reorder(exec, control);
      times_.lap(TsnePhase::other);
      const double kl = step(rho, mom, lr, eval, exec);
      if (eval) record(it, kl, early);
      control.check();
      times_.lap(TsnePhase::other);
    }
    times_.iterations += par_.n_iter;
    if (par_.eval_every > 0) {
      const bool early = par_.n_iter <= par_.early_iter;
      record(par_.n_iter,
             compute_gradient(early ? par_.early_exaggeration : par_.exaggeration, true, exec),
             early);
    }
    return tr;
  }

 private:
  // Renumbering schedule inside the early phase (the start is handled by the constructor).
  bool reorder_due(int it) const {
    if (it <= 0 || it > par_.early_iter) return false;
    return it == par_.early_iter || (par_.reorder_every > 0 && it % par_.reorder_every == 0);
  }

  template <class Exec>
  void reorder(const Exec& exec, Control& control) {
    if (n_ < par_.reorder_min_n || n_ < 2) return;
    const std::vector<int> order = hilbert_order(Y_, n_, D);
    control.check();
    for (std::vector<double>* v : {&Y_, &update_, &gains_, &grad_}) permute_blocks(*v, order, D);
    order_ = order_.empty() ? order : compose_orders(order_, order);
    // An interrupt inside the renumbering would leave P half renumbered; the optimiser is then
    // discarded with the exception, so nothing reads it.
    if (!P_.source.empty()) {
      renumber_from_source(P_, order_, exec);
      control.check();
    } else {
      renumber_points(P_, order, exec, [&] { control.check(); });
    }
  }

  std::vector<double> in_caller_order(std::vector<double> v) const {
    if (!order_.empty()) unpermute_blocks(v, order_, D);
    return v;
  }

  SparseP P_;
  std::vector<int> order_;  // order_[internal] = caller's index; empty while not renumbered
  std::vector<double> Y_;
  TsneParams par_;
  std::size_t n_;
  TsneKernel kern_;
  std::vector<double> update_, gains_, grad_;
  Repulsion rep_;
  TsnePhaseTimes times_;
  SpaceTree<D> tree_;
  FftRepulsion<(D <= 2 ? D : 2)> fft_;
  Simd simd_ = best_simd();
};

}  // namespace nembed

#endif
