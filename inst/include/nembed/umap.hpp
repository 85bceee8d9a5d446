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
// The SGD computes d^(2b) as fast_pow(d^2, b) (sgd.hpp), relative error below 1e-6.
template <int DIM>
struct UmapLoss {
  float a = 1.577f, b = 0.895f, gamma = 1.0f, clip = 4.0f, attraction_weight = 2.0f;
  int dim = DIM;
  bool b_is_one = false;

  float d2_pow_b(float d2) const { return b_is_one ? d2 : fast_pow(d2, b); }
  // The coefficients from d2 > 0 and pb = d2^b.
  float attract_from_pow(float d2, float pb) const {
    return -2.0f * a * b * (b_is_one ? 1.0f : pb / d2) / (1.0f + a * pb);
  }
  float repel_from_pow(float d2, float pb) const {
    return 2.0f * gamma * b / ((0.001f + d2) * (1.0f + a * pb));
  }
  // Attractive gradient coefficient (descent step = coef * (y_i - y_j)).
  float attract_coef(float d2) const { return d2 > 0.0f ? attract_from_pow(d2, d2_pow_b(d2)) : 0.0f; }
  float repel_coef(float d2) const { return d2 > 0.0f ? repel_from_pow(d2, d2_pow_b(d2)) : 0.0f; }

  // One processed edge: the attraction towards the tail, then n_neg repulsions, applied one after
  // the other to the head. The powers d^(2b) of the tail and of up to kPowBatch - 1 negatives are
  // computed together in SIMD lanes (fast_pow_batch), all from the head's position before the
  // edge's first move: one power at a time, the powers' long dependency chains were 60% of the
  // epoch loop at 70,000 points (bench/results/umap-breakdown.md).
  void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n, int n_neg,
            Rng& rng, float alpha) const {
    const int D = DIM > 0 ? DIM : dim;
    constexpr int kBatch = kPowBatch;
    const float* yk[kBatch];
    float d2[kBatch], pb[kBatch];
    bool self[kBatch];
    yk[0] = yj;
    self[0] = false;
    int done = 0;
    bool first = true;  // lane 0 is the tail
    do {
      const int lane0 = first ? 1 : 0;
      const int nq = std::min(kBatch - lane0, n_neg - done), used = lane0 + nq;
      for (int q = lane0; q < used; ++q) {
        const std::size_t k = static_cast<std::size_t>(rng.below(n));
        yk[q] = snap + k * D;
        self[q] = k == i;
      }
      for (int q = 0; q < used; ++q) d2[q] = squared_distance(yi, yk[q], D);
      for (int q = used; q < kBatch; ++q) d2[q] = 1.0f;  // unused lanes
      if (b_is_one)
        std::copy(d2, d2 + kBatch, pb);
      else
        fast_pow_batch(d2, b, pb);
      if (first && d2[0] > 0.0f) {
        const float ca = attract_from_pow(d2[0], pb[0]);
        if (ca != 0.0f)
          for (int d = 0; d < D; ++d)
            yi[d] += attraction_weight * alpha * clip4(ca * (yi[d] - yj[d]), clip);
      }
      for (int q = lane0; q < used; ++q) {
        if (self[q] || !(d2[q] > 0.0f)) continue;
        const float cr = repel_from_pow(d2[q], pb[q]);
        if (cr != 0.0f)
          for (int d = 0; d < D; ++d) yi[d] += alpha * clip4(cr * (yi[d] - yk[q][d]), clip);
      }
      done += nq;
      first = false;
    } while (done < n_neg);
  }

  // step() on head a, then on head b (another head, with its own stream), bit for bit; when both
  // edges fit one batch of powers (at most kPowBatch - 1 negatives, the usual case) and the
  // dimension is fixed, the two are computed together: the heads are independent, so their two
  // dependency chains run side by side (sgd_optimize's halves).
  void step2(float* ya, std::size_t ia, const float* ta, int na, Rng& ra, float* yb,
             std::size_t ib, const float* tb, int nb, Rng& rb, const float* snap, std::size_t n,
             float alpha) const {
    constexpr int kBatch = kPowBatch;
    if (DIM == 0 || na > kBatch - 1 || nb > kBatch - 1) {
      step(ya, ia, ta, snap, n, na, ra, alpha);
      step(yb, ib, tb, snap, n, nb, rb, alpha);
      return;
    }
    constexpr int D = DIM > 0 ? DIM : 1;
    float y[2][D];
    const float* yk[2][kBatch];
    bool self[2][kBatch];
    float d2[2 * kBatch], pb[2 * kBatch];
    const int used[2] = {1 + na, 1 + nb};
    yk[0][0] = ta;
    yk[1][0] = tb;
    self[0][0] = self[1][0] = false;
    for (int q = 1; q < used[0]; ++q) {
      const std::size_t k = static_cast<std::size_t>(ra.below(n));
      yk[0][q] = snap + k * D;
      self[0][q] = k == ia;
    }
    for (int q = 1; q < used[1]; ++q) {
      const std::size_t k = static_cast<std::size_t>(rb.below(n));
      yk[1][q] = snap + k * D;
      self[1][q] = k == ib;
    }
    for (int d = 0; d < D; ++d) {
      y[0][d] = ya[d];
      y[1][d] = yb[d];
    }
    for (int h = 0; h < 2; ++h)
      for (int q = 0; q < kBatch; ++q)
        d2[h * kBatch + q] = q < used[h] ? squared_distance(y[h], yk[h][q], D) : 1.0f;
    if (b_is_one) {
      std::copy(d2, d2 + 2 * kBatch, pb);
    } else {
      fast_pow_batch(d2, b, pb);
      fast_pow_batch(d2 + kBatch, b, pb + kBatch);
    }
    for (int h = 0; h < 2; ++h)
      if (d2[h * kBatch] > 0.0f) {
        const float ca = attract_from_pow(d2[h * kBatch], pb[h * kBatch]);
        if (ca != 0.0f)
          for (int d = 0; d < D; ++d)
            y[h][d] += attraction_weight * alpha * clip4(ca * (y[h][d] - yk[h][0][d]), clip);
      }
    const int most = std::max(used[0], used[1]);
    for (int q = 1; q < most; ++q)
      for (int h = 0; h < 2; ++h) {
        const int l = h * kBatch + q;
        if (q >= used[h] || self[h][q] || !(d2[l] > 0.0f)) continue;
        const float cr = repel_from_pow(d2[l], pb[l]);
        if (cr != 0.0f)
          for (int d = 0; d < D; ++d) y[h][d] += alpha * clip4(cr * (y[h][d] - yk[h][q][d]), clip);
      }
    for (int d = 0; d < D; ++d) {
      ya[d] = y[0][d];
      yb[d] = y[1][d];
    }
  }
};

}  // namespace nembed

#endif
