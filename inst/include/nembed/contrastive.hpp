// The contrastive neighbour-embedding losses of Damrich, Boehm, Hamprecht & Kobak (ICLR 2023), on the
// binary symmetric kNN graph with the Cauchy kernel phi = 1 / (eps + d^2) (eps = 1).
//
// Two optimisers live here.
//
// 1. `contrastive_batch_sgd` (embed_contrastive): the authors' mini-batch SGD of contrastive-ne
//    (`cne.py::train`, `ContrastiveLoss`, `make_neighbor_indices`), which autograd differentiates:
//    * every epoch the directed edges are shuffled and cut into batches of b pairs (i, j);
//    * the batch's pool is its 2b endpoints (heads, then tails); each head draws m negatives
//      uniformly from the other 2b - 1 pool slots (so negatives follow the degree distribution, and
//      a head's own tail can be one of them); with m >= 2b - 2 every other head and every other
//      tail is a negative (full-batch repulsion). The draw is made once per epoch and reused by
//      every full batch, as in the reference (a last, smaller batch draws its own);
//    * the loss is summed over the batch and its gradient reaches the head, the tail and every
//      negative (the pairwise term's opposite); gradients of the same point are summed, clipped to
//      [-4, 4] per coordinate and applied by plain SGD (no momentum) at the epoch's learning rate
//      lr (1 - epoch / n_epochs);
//    * NCE's log Z takes one step per batch, at the constant rate 0.001, with the batch's clipped
//      gradient; the log clamps of the reference ([1e-4, 1]) zero the gradient of clamped terms;
//    * InfoNCE carries the reference's factor temperature / base_temperature = 0.5.
//    Reproducibility: the shuffle and the negative table come from one random stream per epoch on
//    the calling thread; the pairs' terms are computed in fixed blocks (any thread) into per-pair
//    buffers, which the calling thread adds up in pair order. The result therefore does not depend
//    on the number of threads.
//
// 2. `contrastive_transform_sgd` (embed_transform): places new points into a finished embedding
//    with the same pair loss, batches and schedule. The new points' edges to their k nearest
//    reference points are the pairs (head: the new point, tail: the reference point); the pool a
//    batch draws its negatives from is 2b reference points, each the head of a uniformly drawn
//    directed edge of the embedding's graph (so, as in the embedding's batches, drawn in
//    proportion to the degree), never a new point. Only the heads move, so new points do not
//    influence each other and the reference stays where it is.
//
// Loss terms per positive pair (i, j) and negatives k, in the numerically stable forms
// (ALGORITHMS.md 5.2-5.3), with u = y_i - y_j:
//   NEG / NCE   eta = 1 / (1 + c (d^2 + eps));  loss -log eta_ij - sum_k log(1 - eta_ik)
//               gradient on i: 2 c eta_ij u_ij - sum_k 2 phi_ik eta_ik u_ik
//               NEG: c fixed (c = m Zbar / n^2); NCE: c = m Z with log Z learnt; d/dlogZ of the
//               loss is (1 - eta_ij) - sum_k eta_ik.
//   InfoNCE     loss -log phi_ij + (1/rho) log(phi_ij + sum_k phi_ik)
//               gradient on i: 2 phi_ij u_ij - (2 / (rho S)) sum_{l in {j} + K} phi_il^2 u_il.
//   UMAP (a = b = 1)  loss -log phi_ij - sum_k log(1 - phi_ik).
#ifndef NEMBED_CONTRASTIVE_HPP
#define NEMBED_CONTRASTIVE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "nembed/rng.hpp"
#include "nembed/sgd.hpp"

namespace nembed {

// ---- The authors' mini-batch SGD (see the header comment, optimiser 1) --------------------------


// The loss of one positive pair and its negatives, with the reference's clamps. spec is c for NEG
// and NCE (NCE: c = m Z), rho for InfoNCE, unused for UMAP.
struct CnePairLoss {
  LossKind kind = LossKind::neg;
  double spec = 1.0;
  float eps = 1.0f;
  float clamp_low = 1e-4f;
  float infonce_scale = 0.5f;  // temperature / base_temperature of the reference

  // Gradient of the pair's loss (not the descent direction). yh: head; yl[0]: the tail,
  // yl[1..m]: the negatives. Writes the head's gradient to gh (D) and the gradient on each
  // l = 0..m to gl (row l, D each); returns the pair's d loss / d log Z (NEG/NCE).
  template <int DIM>
  double gradient(const float* yh, const float* const* yl, int m, int D, float* gh, float* gl) const {
    const int DD = DIM > 0 ? DIM : D;
    for (int d = 0; d < DD; ++d) gh[d] = 0.0f;
    double dz = 0.0;
    const float c = static_cast<float>(spec);
    if (kind == LossKind::infonce) {
      // S over the tail and the negatives, each phi clamped to [clamp_low, 1]; a clamped phi adds
      // its clamp value to S and passes no gradient.
      float S = 0.0f;
      float w[1 + 64];
      std::vector<float> wbig;
      float* wl = w;
      if (m + 1 > 65) {
        wbig.resize(m + 1);
        wl = wbig.data();
      }
      for (int l = 0; l <= m; ++l) {
        const float ph = 1.0f / (eps + squared_distance(yh, yl[l], DD));
        const bool in = ph >= clamp_low && ph <= 1.0f;
        S += in ? ph : (ph < clamp_low ? clamp_low : 1.0f);
        wl[l] = in ? ph : 0.0f;
      }
      const float inv = 1.0f / (static_cast<float>(spec) * S);
      for (int l = 0; l <= m; ++l) {
        // -log phi_tail: + 2 phi u; (1/rho) log S: - 2 phi^2 u / (rho S)
        float coef = -2.0f * wl[l] * wl[l] * inv;
        if (l == 0) coef += 2.0f * wl[0];
        coef *= infonce_scale;
        float* g = gl + static_cast<std::size_t>(l) * DD;
        for (int d = 0; d < DD; ++d) {
          const float t = coef * (yh[d] - yl[l][d]);
          gh[d] += t;
          g[d] = -t;
        }
      }
      return 0.0;
    }
    for (int l = 0; l <= m; ++l) {
      const float d2 = squared_distance(yh, yl[l], DD);
      float coef = 0.0f;
      if (kind == LossKind::umap) {
        const float ph = 1.0f / (eps + d2);
        if (l == 0) {
          if (ph >= clamp_low && ph <= 1.0f) coef = 2.0f * ph;  // d/dy -log phi
        } else if (1.0f - ph >= clamp_low && 1.0f - ph <= 1.0f) {
          coef = -2.0f * ph * ph / (1.0f - ph);  // d/dy -log(1 - phi)
        }
      } else {
        const float A = d2 + eps;
        const float eta = 1.0f / (1.0f + c * A);
        if (l == 0) {
          if (eta >= clamp_low) {
            coef = 2.0f * c * eta;  // d/dy -log eta
            dz += 1.0 - eta;
          }
        } else if (1.0f - eta >= clamp_low) {
          coef = -2.0f * eta / A;  // d/dy -log(1 - eta)
          dz -= eta;
        }
      }
      float* g = gl + static_cast<std::size_t>(l) * DD;
      for (int d = 0; d < DD; ++d) {
        const float t = coef * (yh[d] - yl[l][d]);
        gh[d] += t;
        g[d] = -t;
      }
    }
    return dz;
  }
};

// The negatives of a batch of b pairs as pool slots (0..b-1 heads, b..2b-1 tails), b rows of
// m_eff entries: contrastive-ne's make_neighbor_indices. m_eff = min(m, 2b - 1); with
// m_eff >= 2b - 2, every other head and every other tail (full-batch repulsion, 2b - 2 columns).
inline int cne_negative_count(int m, std::size_t b) {
  const long long cap = 2LL * static_cast<long long>(b) - 1;
  long long me = std::min<long long>(m, cap);
  if (me >= cap - 1) me = cap - 1;  // full batch: 2b - 2 negatives
  return static_cast<int>(std::max<long long>(me, 0));
}

inline void cne_negative_slots(std::size_t b, int m, Rng& rng, std::vector<int>& slots) {
  const int me = cne_negative_count(m, b);
  slots.resize(b * static_cast<std::size_t>(me));
  const long long pool = 2LL * static_cast<long long>(b);
  const bool full = static_cast<long long>(std::min<long long>(m, pool - 1)) >= pool - 2;
  for (std::size_t r = 0; r < b; ++r) {
    int* out = slots.data() + r * me;
    if (full) {
      int q = 0;
      for (std::size_t h = 0; h < b; ++h)
        if (h != r) out[q++] = static_cast<int>(h);
      for (std::size_t t = 0; t < b; ++t)
        if (t != r) out[q++] = static_cast<int>(b + t);
    } else {
      for (int q = 0; q < me; ++q) {
        const long long u = static_cast<long long>(rng.below(static_cast<std::uint64_t>(pool - 1)));
        out[q] = static_cast<int>((static_cast<long long>(r) + 1 + u) % pool);
      }
    }
  }
}

// Batches with at least this many pair terms (pairs x (1 + negatives)) are split over threads.
constexpr std::size_t kCneParallelTerms = 65536;

// Work buffers of one batch.
struct CneBatchWork {
  std::vector<float> gh, gl;   // per pair: head gradient (D), tail + negatives gradients ((1+m) D)
  std::vector<double> dz;      // per pair: d loss / d log Z
  std::vector<float> G;        // per point: summed gradient (n x D)
  std::vector<std::uint32_t> stamp;
  std::uint32_t now = 0;
};

// The summed gradient of one batch (heads[r], tails[r], r < b; negative slots nslots, b x m_eff)
// on the points, accumulated into w.G; the points touched are listed in `touched`. Returns the
// batch's d loss / d log Z.
template <int DIM, class Exec>
double cne_batch_gradient(const std::vector<float>& Y, int D, const int* heads, const int* tails,
                          std::size_t b, const std::vector<int>& nslots, int m_eff,
                          const CnePairLoss& loss, CneBatchWork& w, std::vector<int>& touched,
                          const Exec& exec) {
  const int DD = DIM > 0 ? DIM : D;
  const std::size_t L = static_cast<std::size_t>(m_eff) + 1;
  w.gh.resize(b * DD);
  w.gl.resize(b * L * DD);
  w.dz.resize(b);
  auto slot_point = [&](int s) -> int {
    return s < static_cast<int>(b) ? heads[s] : tails[s - static_cast<int>(b)];
  };
  auto pairs = [&](std::size_t, std::size_t s, std::size_t e) {
    std::vector<const float*> yl(L);
    for (std::size_t r = s; r < e; ++r) {
      yl[0] = Y.data() + static_cast<std::size_t>(tails[r]) * DD;
      for (int q = 0; q < m_eff; ++q)
        yl[q + 1] = Y.data() + static_cast<std::size_t>(slot_point(nslots[r * m_eff + q])) * DD;
      w.dz[r] = loss.gradient<DIM>(Y.data() + static_cast<std::size_t>(heads[r]) * DD, yl.data(),
                                   m_eff, DD, w.gh.data() + r * DD, w.gl.data() + r * L * DD);
    }
  };
  // A parallel dispatch costs tens of microseconds (more on a busy machine), a batch of 1,024
  // pairs about as much work: small batches run on the calling thread. Each pair's terms are the
  // same either way.
  if (b * L >= kCneParallelTerms) for_each_block(exec, b, 256, pairs);
  else pairs(0, 0, b);
  // Add up in pair order (calling thread): the same sums whatever the number of threads.
  if (++w.now == 0) {
    std::fill(w.stamp.begin(), w.stamp.end(), 0u);
    w.now = 1;
  }
  touched.clear();
  auto add = [&](int p, const float* g) {
    float* Gp = w.G.data() + static_cast<std::size_t>(p) * DD;
    if (w.stamp[p] != w.now) {
      w.stamp[p] = w.now;
      touched.push_back(p);
      for (int d = 0; d < DD; ++d) Gp[d] = g[d];
    } else {
      for (int d = 0; d < DD; ++d) Gp[d] += g[d];
    }
  };
  double dz = 0.0;
  for (std::size_t r = 0; r < b; ++r) {
    add(heads[r], w.gh.data() + r * DD);
    const float* gl = w.gl.data() + r * L * DD;
    add(tails[r], gl);
    for (int q = 0; q < m_eff; ++q) add(slot_point(nslots[r * m_eff + q]), gl + (q + 1) * DD);
    dz += w.dz[r];
  }
  return dz;
}

// What contrastive-ne's epoch schedule (cne_epoch_schedule) reads; each optimiser adds its step's
// settings (CneOptions here, ParametricOptions in parametric.hpp).
struct CneSchedule {
  int n_epochs = 750;
  int n_early = 0;              // the first n_early epochs use spec_early
  double spec = 1.0, spec_early = 1.0;
  LossKind kind = LossKind::neg;
  int n_negatives = 5;
  std::size_t batch_size = 1024;
  std::uint64_t seed = 1;
  std::string label = "contrastive";
};

struct CneOptions : CneSchedule {
  float learning_rate = 1.0f;
  float clip = 4.0f;
  double z_learning_rate = 0.001;  // NCE: constant rate of log Z, one step per batch
};

struct CneResult {
  double spec = 1.0;   // final c (NCE: min(m, 2b - 1) Z) or rho
  double log_z = 0.0;  // NCE
};

// contrastive-ne's epoch schedule, shared by the non-parametric SGD and the parametric network:
// per epoch a fresh shuffle of the E edges from Rng(seed, epoch), one draw of negative slots for
// the full batches (and one for a shorter last batch), the early phase's spectrum, and NCE's
// constant from the current log Z. step(epoch, edges, bb, slots, m_eff) runs one mini-batch on
// the bb edge numbers at `edges` with loss.spec set; end_epoch(epoch) runs after each epoch.
// Returns the full batch size b.
template <class Opt, class Step, class EndEpoch>
std::size_t cne_epoch_schedule(std::size_t E, const Opt& opt, CnePairLoss& loss,
                               const double& log_z, Step&& step, EndEpoch&& end_epoch) {
  const std::size_t b = std::max<std::size_t>(1, std::min(opt.batch_size, E));
  std::vector<std::size_t> perm(E);
  std::vector<int> slots_full, slots_last;
  loss.kind = opt.kind;
  for (int epoch = 0; epoch < opt.n_epochs; ++epoch) {
    const double spec = epoch < opt.n_early ? opt.spec_early : opt.spec;
    Rng rng(opt.seed, static_cast<std::uint64_t>(epoch));
    for (std::size_t e = 0; e < E; ++e) perm[e] = e;
    for (std::size_t e = E; e > 1; --e) std::swap(perm[e - 1], perm[rng.below(e)]);
    cne_negative_slots(b, opt.n_negatives, rng, slots_full);
    for (std::size_t s0 = 0; s0 < E; s0 += b) {
      const std::size_t bb = std::min(b, E - s0);
      const std::vector<int>* slots = &slots_full;
      if (bb != b) {
        cne_negative_slots(bb, opt.n_negatives, rng, slots_last);
        slots = &slots_last;
      }
      const int me = cne_negative_count(opt.n_negatives, bb);
      // NCE's estimator uses min(m, 2b - 1) negatives, also in the full-batch case (2b - 2 drawn).
      const double m_nce = std::min<double>(opt.n_negatives, 2.0 * static_cast<double>(bb) - 1.0);
      loss.spec = opt.kind == LossKind::nce ? m_nce * std::exp(log_z) : spec;
      step(epoch, perm.data() + s0, bb, *slots, me);
    }
    end_epoch(epoch);
  }
  return b;
}

// NCE's final constant c = min(m, 2b - 1) Z for full batches of b; the given spectrum otherwise.
template <class Opt>
double cne_final_spec(const Opt& opt, std::size_t b, double log_z) {
  return opt.kind == LossKind::nce
             ? std::min<double>(opt.n_negatives, 2.0 * static_cast<double>(b) - 1.0) * std::exp(log_z)
             : opt.spec;
}

// Runs the mini-batch SGD on Y (n x D, row-major) over the directed edges heads[e] -> tails[e].
template <int DIM, class Exec>
CneResult contrastive_batch_sgd(std::vector<float>& Y, int D, const std::vector<int>& heads,
                                const std::vector<int>& tails, const CneOptions& opt,
                                double log_z0, const Exec& exec, Control& control) {
  const int DD = DIM > 0 ? DIM : D;
  const std::size_t n = Y.size() / static_cast<std::size_t>(DD);
  const std::size_t E = heads.size();
  CneResult res;
  res.log_z = log_z0;
  CneBatchWork w;
  w.G.assign(n * DD, 0.0f);
  w.stamp.assign(n, 0u);
  std::vector<int> bh, bt, touched;
  CnePairLoss loss;
  const int every = std::max(1, opt.n_epochs / 10);
  float lr = opt.learning_rate;
  int lr_epoch = -1;
  const std::size_t b = cne_epoch_schedule(
      E, opt, loss, res.log_z,
      [&](int epoch, const std::size_t* edges, std::size_t bb, const std::vector<int>& slots, int me) {
        if (epoch != lr_epoch) {  // linear decay per epoch
          lr = opt.learning_rate *
               (1.0f - static_cast<float>(epoch) / static_cast<float>(opt.n_epochs));
          lr_epoch = epoch;
        }
        bh.resize(bb);
        bt.resize(bb);
        for (std::size_t r = 0; r < bb; ++r) {
          bh[r] = heads[edges[r]];
          bt[r] = tails[edges[r]];
        }
        const double dz = cne_batch_gradient<DIM>(Y, DD, bh.data(), bt.data(), bb, slots, me, loss,
                                                  w, touched, exec);
        for (int p : touched) {
          float* yp = Y.data() + static_cast<std::size_t>(p) * DD;
          const float* Gp = w.G.data() + static_cast<std::size_t>(p) * DD;
          for (int d = 0; d < DD; ++d) yp[d] -= lr * clip4(Gp[d], opt.clip);
        }
        if (opt.kind == LossKind::nce) {
          const double g = std::max(-static_cast<double>(opt.clip),
                                    std::min(static_cast<double>(opt.clip), dz));
          res.log_z -= opt.z_learning_rate * g;
        }
      },
      [&](int epoch) {
        control.check();
        if (control.verbose() && ((epoch + 1) % every == 0 || epoch + 1 == opt.n_epochs))
          control.message(opt.label + ": epoch " + std::to_string(epoch + 1) + " / " +
                          std::to_string(opt.n_epochs));
      });
  res.spec = cne_final_spec(opt, b, res.log_z);
  return res;
}

// ---- Placing new points (see the header comment, optimiser 2) ----------------------------------

// Work buffers of one transform batch.
struct CneTransformWork {
  std::vector<float> gh;       // per pair: the head's gradient (D)
  std::vector<float> G;        // per new point: summed gradient (m x D)
  std::vector<std::uint32_t> stamp;
  std::uint32_t now = 0;
  std::vector<int> touched;    // the new points of the batch, in order of first appearance
};

// The summed gradient of one transform batch on its heads (new points, rows of Y), accumulated
// into w.G for the points in w.touched. tails[r]: reference row of pair r's tail; pool (2b
// reference rows) and nslots (b x m_eff slots into pool) give the negatives. Pairs are computed in
// fixed blocks (any thread) into per-pair buffers and added up in pair order on the calling thread.
template <int DIM, class Exec>
void cne_transform_batch_gradient(const std::vector<float>& Y, const std::vector<float>& ref, int D,
                                  const int* heads, const int* tails, std::size_t b,
                                  const int* pool, const std::vector<int>& nslots, int m_eff,
                                  const CnePairLoss& loss, CneTransformWork& w, const Exec& exec) {
  const int DD = DIM > 0 ? DIM : D;
  const std::size_t L = static_cast<std::size_t>(m_eff) + 1;
  w.gh.resize(b * DD);
  auto pairs = [&](std::size_t, std::size_t s, std::size_t e) {
    std::vector<const float*> yl(L);
    std::vector<float> gl(L * DD);  // the reference points' share, not applied
    for (std::size_t r = s; r < e; ++r) {
      yl[0] = ref.data() + static_cast<std::size_t>(tails[r]) * DD;
      for (int q = 0; q < m_eff; ++q)
        yl[q + 1] = ref.data() + static_cast<std::size_t>(pool[nslots[r * m_eff + q]]) * DD;
      loss.gradient<DIM>(Y.data() + static_cast<std::size_t>(heads[r]) * DD, yl.data(), m_eff, DD,
                         w.gh.data() + r * DD, gl.data());
    }
  };
  if (b * L >= kCneParallelTerms) for_each_block(exec, b, 256, pairs);
  else pairs(0, 0, b);
  if (++w.now == 0) {
    std::fill(w.stamp.begin(), w.stamp.end(), 0u);
    w.now = 1;
  }
  w.touched.clear();
  for (std::size_t r = 0; r < b; ++r) {
    const int p = heads[r];
    float* Gp = w.G.data() + static_cast<std::size_t>(p) * DD;
    const float* g = w.gh.data() + r * DD;
    if (w.stamp[p] != w.now) {
      w.stamp[p] = w.now;
      w.touched.push_back(p);
      for (int d = 0; d < DD; ++d) Gp[d] = g[d];
    } else {
      for (int d = 0; d < DD; ++d) Gp[d] += g[d];
    }
  }
}

// Moves the new points Y (m x D) against the fixed reference `ref` (n x D) over the pairs
// heads[e] (new point) -> tails[e] (reference point) for opt.n_epochs epochs of contrastive-ne's
// schedule (cne_epoch_schedule: shuffled pairs, batches of opt.batch_size, negative slots drawn
// once per epoch, learning rate lr (1 - epoch / n_epochs), per-point clipping). noise: the
// reference rows a pool slot is drawn from (one entry per directed edge of the embedding's graph,
// its head: drawn in proportion to the degree). opt.kind is NEG (NCE's learnt c passed as spec,
// held fixed), InfoNCE or UMAP.
template <int DIM, class Exec>
void contrastive_transform_sgd(std::vector<float>& Y, const std::vector<float>& ref, int D,
                               const std::vector<int>& heads, const std::vector<int>& tails,
                               const std::vector<int>& noise, const CneOptions& opt,
                               const Exec& exec, Control& control) {
  const int DD = DIM > 0 ? DIM : D;
  const std::size_t m = Y.size() / static_cast<std::size_t>(DD);
  const std::size_t E = heads.size();
  if (E == 0 || noise.empty()) return;
  CneTransformWork w;
  w.G.assign(m * DD, 0.0f);
  w.stamp.assign(m, 0u);
  std::vector<int> bh, bt, pool;
  CnePairLoss loss;
  float lr = opt.learning_rate;
  int cur_epoch = -1;
  std::uint64_t batch = 0;
  const double no_log_z = 0.0;
  // The pools' own stream, apart from the schedule's Rng(seed, epoch).
  const std::uint64_t pool_seed = opt.seed ^ 0x6A09E667F3BCC909ULL;
  const std::size_t b = std::max<std::size_t>(1, std::min(opt.batch_size, E));
  const std::size_t per_epoch = (E + b - 1) / b;
  cne_epoch_schedule(
      E, opt, loss, no_log_z,
      [&](int epoch, const std::size_t* edges, std::size_t bb, const std::vector<int>& slots, int me) {
        if (epoch != cur_epoch) {
          lr = opt.learning_rate *
               (1.0f - static_cast<float>(epoch) / static_cast<float>(opt.n_epochs));
          cur_epoch = epoch;
          batch = 0;
        }
        Rng rng(pool_seed, static_cast<std::uint64_t>(epoch) * per_epoch + batch++);
        pool.resize(2 * bb);
        for (auto& p : pool) p = noise[rng.below(noise.size())];
        bh.resize(bb);
        bt.resize(bb);
        for (std::size_t r = 0; r < bb; ++r) {
          bh[r] = heads[edges[r]];
          bt[r] = tails[edges[r]];
        }
        cne_transform_batch_gradient<DIM>(Y, ref, DD, bh.data(), bt.data(), bb, pool.data(), slots,
                                          me, loss, w, exec);
        for (int p : w.touched) {
          float* yp = Y.data() + static_cast<std::size_t>(p) * DD;
          const float* Gp = w.G.data() + static_cast<std::size_t>(p) * DD;
          for (int d = 0; d < DD; ++d) yp[d] -= lr * clip4(Gp[d], opt.clip);
        }
      },
      [&](int) { control.check(); });
}

// The partition sum Z = sum over ordered pairs i != j of phi_ij = 1 / (eps + d_ij^2) of a layout,
// exactly (O(n^2) over fixed row blocks) or, with n_sample < n, estimated from n_sample rows
// chosen with stride (each against all n points) and scaled by n / n_sample.
template <class Exec>
double cauchy_partition_sum(const std::vector<float>& Y, int D, double eps, std::size_t n_sample,
                            const Exec& exec) {
  const std::size_t n = Y.size() / static_cast<std::size_t>(D);
  if (n < 2) return 0.0;
  const std::size_t rows = n_sample == 0 || n_sample >= n ? n : n_sample;
  const double z = block_sum(exec, rows, 64, [&](std::size_t s, std::size_t e) {
    double acc = 0.0;
    for (std::size_t q = s; q < e; ++q) {
      const std::size_t i = rows == n ? q : (q * n) / rows;
      const float* yi = Y.data() + i * D;
      double row = 0.0;
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        row += 1.0 / (eps + static_cast<double>(squared_distance(yi, Y.data() + j * D, D)));
      }
      acc += row;
    }
    return acc;
  });
  return z * static_cast<double>(n) / static_cast<double>(rows);
}

}  // namespace nembed

#endif
