// The contrastive neighbour-embedding losses of Damrich, Boehm, Hamprecht & Kobak (ICLR 2023) for the
// edge-sampling SGD in sgd.hpp, on the binary symmetric kNN graph with the Cauchy kernel
// phi = 1 / (eps + d^2) (eps = 1).
//
// Per positive pair (i, j) and uniformly drawn negatives k, written in the numerically stable forms
// (ALGORITHMS.md 5.2-5.3), with u = y_i - y_j:
//   NEG / NCE   eta = 1 / (1 + c (d^2 + eps));  loss -log eta_ij - sum_k log(1 - eta_ik)
//               descent: head += alpha clip(-2 c eta_ij u_ij) (attraction)
//                        head += alpha clip(+2 phi_ik eta_ik u_ik) (each negative)
//               NEG: c fixed (c = m Zbar / n^2); NCE: c = m Z with log Z learnt; d/dlogZ of the
//               loss is (1 - eta_ij) - sum_k eta_ik.
//   InfoNCE     loss -log phi_ij + (1/rho) log(phi_ij + sum_k phi_ik)
//               gradient 2 phi_ij u_ij - (2 / (rho S)) sum_{l in {j} + K} phi_il^2 u_il.
// Only the head moves (see the ownership rule in sgd.hpp). Automatic differentiation, as in the
// authors' code, also moves tails and negatives; with a symmetric graph and uniform negatives every
// point is, in expectation, a tail as often as a head and a negative m times per edge it heads, so
// moving only heads keeps the attraction/repulsion balance and halves the effective step size.
#ifndef NEMBED_CONTRASTIVE_HPP
#define NEMBED_CONTRASTIVE_HPP

#include <algorithm>
#include <cmath>
#include <vector>

#include "nembed/sgd.hpp"

namespace nembed {

template <int DIM>
struct NegSamplingLoss {
  float c = 1.0f;          // m Zbar / n^2 (NEG) or m Z (NCE)
  float eps = 1.0f;
  float clip = 4.0f;
  int dim = DIM;
  bool learn_z = false;    // NCE
  double log_z = 0.0;      // NCE: log Z, c = m Z
  double m = 5.0;
  float z_learning_rate = 1.0f;  // per epoch, times the decaying alpha / alpha_0

  void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n, int n_neg,
            Rng& rng, float alpha, SgdAccumulator& acc) const {
    const int D = DIM > 0 ? DIM : dim;
    const float d2 = squared_distance(yi, yj, D);
    const float eta = 1.0f / (1.0f + c * (d2 + eps));
    const float ca = -2.0f * c * eta;
    for (int d = 0; d < D; ++d) yi[d] += alpha * clip4(ca * (yi[d] - yj[d]), clip);
    double zgrad = 1.0 - eta;
    repel_negatives(yi, i, snap, n, n_neg, D, rng, alpha, clip, [&](float e2) {
      const float q2 = e2 + eps;
      const float en = 1.0f / (1.0f + c * q2);
      zgrad -= en;
      return 2.0f * en / q2;
    });
    acc.sum += zgrad;
    acc.count += 1.0;
  }

  // NCE: one step on log Z per epoch with the mean gradient over the epoch's positive pairs, computed
  // at the epoch's fixed Z (so it does not depend on scheduling), clipped like the coordinates.
  void end_epoch(const SgdAccumulator& total, int, float alpha_ratio) {
    if (!learn_z || total.count <= 0) return;
    double g = total.sum / total.count;
    if (g > clip) g = clip;
    if (g < -clip) g = -clip;
    log_z -= z_learning_rate * alpha_ratio * g;
    c = static_cast<float>(m * std::exp(log_z));
  }
};

template <int DIM>
struct InfoNceLoss {
  float rho = 1.0f;  // exaggeration of the attraction: the repulsive log-sum is scaled by 1/rho
  float eps = 1.0f;
  float clip = 4.0f;
  int dim = DIM;

  void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n, int n_neg,
            Rng& rng, float alpha, SgdAccumulator&) const {
    const int D = DIM > 0 ? DIM : dim;
    const float d2 = squared_distance(yi, yj, D);
    const float phij = 1.0f / (eps + d2);
    // First pass: the partition sum S over the positive and the negatives; a copy of the stream
    // replays the same negatives in the second pass, so no buffer is needed.
    Rng replay = rng;
    float S = phij;
    for (int q = 0; q < n_neg; ++q) {
      const std::size_t k = static_cast<std::size_t>(rng.below(n));
      if (k == i) continue;
      const float* yk = snap + k * D;
      const float e2 = squared_distance(yi, yk, D);
      S += 1.0f / (eps + e2);
    }
    const float w = 2.0f / (rho * S);
    float grad[DIM > 0 ? DIM : 16];
    float* gp = grad;
    std::vector<float> big;
    if (DIM <= 0 && D > 16) {
      big.assign(D, 0.0f);
      gp = big.data();
    }
    for (int d = 0; d < D; ++d) gp[d] = (2.0f * phij - w * phij * phij) * (yi[d] - yj[d]);
    for (int q = 0; q < n_neg; ++q) {
      const std::size_t k = static_cast<std::size_t>(replay.below(n));
      if (k == i) continue;
      const float* yk = snap + k * D;
      const float e2 = squared_distance(yi, yk, D);
      const float ph = 1.0f / (eps + e2);
      for (int d = 0; d < D; ++d) gp[d] -= w * ph * ph * (yi[d] - yk[d]);
    }
    for (int d = 0; d < D; ++d) yi[d] -= alpha * clip4(gp[d], clip);
  }
  void end_epoch(const SgdAccumulator&, int, float) {}
};

}  // namespace nembed

#endif
