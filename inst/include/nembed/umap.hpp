// UMAP's loss for the shared edge-sampling SGD (sgd.hpp).
#ifndef NEMBED_UMAP_HPP
#define NEMBED_UMAP_HPP

#include <algorithm>
#include <cstddef>

#include "nembed/rng.hpp"
#include "nembed/sgd.hpp"

namespace nembed {

// UMAP's fuzzy cross-entropy with w = 1 / (1 + a d^(2b)).
//   attraction on the head: coef = -2ab d^(2(b-1)) / (1 + a d^(2b)), times attraction_weight (2, see
//   the header comment on move_other); skipped at d = 0;
//   repulsion: coef = 2 gamma b / ((0.001 + d^2)(1 + a d^(2b))), skipped at d = 0 and for k = i.
template <int DIM>
struct UmapLoss {
  float a = 1.577f, b = 0.895f, gamma = 1.0f, clip = 4.0f, attraction_weight = 2.0f;
  int dim = DIM;
  bool b_is_one = false;

  float d2_pow_b(float d2) const { return b_is_one ? d2 : fast_pow(d2, b); }
  // Attractive gradient coefficient (descent step = coef * (y_i - y_j)).
  float attract_coef(float d2) const {
    if (!(d2 > 0.0f)) return 0.0f;
    const float pb = d2_pow_b(d2);
    return -2.0f * a * b * (b_is_one ? 1.0f : pb / d2) / (1.0f + a * pb);
  }
  float repel_coef(float d2) const {
    if (!(d2 > 0.0f)) return 0.0f;
    return 2.0f * gamma * b / ((0.001f + d2) * (1.0f + a * d2_pow_b(d2)));
  }

  void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n, int n_neg,
            Rng& rng, float alpha, SgdAccumulator&) const {
    const int D = DIM > 0 ? DIM : dim;
    const float d2 = squared_distance(yi, yj, D);
    const float ca = attract_coef(d2);
    if (ca != 0.0f)
      for (int d = 0; d < D; ++d)
        yi[d] += attraction_weight * alpha * clip4(ca * (yi[d] - yj[d]), clip);
    repel(yi, i, snap, n, n_neg, D, rng, alpha);
  }

  // The repulsive half: as repel_negatives (sgd.hpp), with the same draws, coefficients and moves,
  // so the result is bit-identical to it, but the coefficients of a batch of negatives are computed
  // together (fast_pow_batch) rather than one power at a time: the powers are most of the epoch
  // loop's arithmetic.
  void repel(float* yi, std::size_t i, const float* snap, std::size_t n, int n_neg, int D, Rng& rng,
             float alpha) const {
    constexpr int kBatch = kPowBatch;
    const float* yk[kBatch];
    float d2[kBatch], pb[kBatch];
    bool self[kBatch];
    const float num = 2.0f * gamma * b;
    for (int q0 = 0; q0 < n_neg; q0 += kBatch) {
      const int nq = std::min(kBatch, n_neg - q0);
      for (int q = 0; q < nq; ++q) {
        const std::size_t k = static_cast<std::size_t>(rng.below(n));
        yk[q] = snap + k * D;
        self[q] = k == i;
      }
      for (int q = 0; q < nq; ++q) d2[q] = squared_distance(yi, yk[q], D);
      for (int q = nq; q < kBatch; ++q) d2[q] = 1.0f;  // unused lanes
      if (b_is_one)
        std::copy(d2, d2 + kBatch, pb);
      else
        fast_pow_batch(d2, b, pb);
      for (int q = 0; q < nq; ++q) {
        // repel_coef(d2[q]), with the power computed above
        if (self[q] || !(d2[q] > 0.0f)) continue;
        const float cr = num / ((0.001f + d2[q]) * (1.0f + a * pb[q]));
        if (cr != 0.0f)
          for (int d = 0; d < D; ++d) yi[d] += alpha * clip4(cr * (yi[d] - yk[q][d]), clip);
      }
    }
  }
  void end_epoch(const SgdAccumulator&, int, float) {}
};

}  // namespace nembed

#endif
