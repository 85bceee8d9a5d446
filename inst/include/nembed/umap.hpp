// UMAP's loss for the shared edge-sampling SGD (sgd.hpp).
#ifndef NEMBED_UMAP_HPP
#define NEMBED_UMAP_HPP

#include <algorithm>
#include <cstddef>

#include "nembed/rng.hpp"
#include "nembed/sgd.hpp"
#include "nembed/simd.hpp"
#include "nembed/umap_lanes.hpp"

namespace nembed {

// UMAP's fuzzy cross-entropy with w = 1 / (1 + a d^(2b)).
//   attraction on the head: coef = -2ab d^(2(b-1)) / (1 + a d^(2b)), times attraction_weight (2, see
//   the header comment on move_other); skipped at d = 0;
//   repulsion: coef = 2 gamma b / ((0.001 + d^2)(1 + a d^(2b))), skipped at d = 0 and for k = i.
// The SGD computes d^(2b) as fast_pow(d^2, b) (sgd.hpp), relative error below 3e-6.
template <int DIM>
struct UmapLoss {
  float a = 1.577f, b = 0.895f, gamma = 1.0f, clip = 4.0f, attraction_weight = 2.0f;
  int dim = DIM;
  bool b_is_one = false;
  Simd simd = best_simd();  // the lanes' vector path (2-D only; umap_lanes.hpp)

  float d2_pow_b(float d2) const { return b_is_one ? d2 : fast_pow(d2, b); }
  UmapLaneParams lane_params() const {
    return UmapLaneParams{a, b, -2.0f * a * b, 2.0f * gamma * b, clip, b_is_one};
  }
  // The coefficients as the lanes compute them (d2 > 0; 0 at d2 = 0, where no force acts).
  float attract_coef(float d2) const {
    if (!(d2 > 0.0f)) return 0.0f;
    const float pb = d2_pow_b(d2);
    return (-2.0f * a * b * pb) / (d2 * (1.0f + a * pb));
  }
  float repel_coef(float d2) const {
    if (!(d2 > 0.0f)) return 0.0f;
    const float pb = d2_pow_b(d2);
    return (2.0f * gamma * b) / ((d2 + 0.001f) * (1.0f + a * pb));
  }

  // One processed edge: the attraction towards the tail (weight attraction_weight) and n_neg
  // repulsions from negatives drawn from rng (a draw of the head i itself is skipped), in batches
  // of eight lanes (umap_lanes.hpp): the first holds the tail and up to seven negatives, each later
  // one eight more. A batch's coefficients come from the distances at the head's position before
  // it; the attraction moves the head first, then the batch's repulsions, taken at the moved head
  // and summed, move it again. umap-learn moves the head after every term and recomputes each
  // distance from there; the lanes make the terms of a batch independent, so they run side by side.
  void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n, int n_neg,
            Rng& rng, float alpha) const {
    const int D = DIM > 0 ? DIM : dim;
    const UmapLaneParams p = lane_params();
    const float* rows[kUmapLanes];
    float wa[kUmapLanes];
    bool first = true;  // lane 0 is the tail
    int done = 0;
    do {
      const int lane0 = first ? 1 : 0;
      const int nq = std::min(kUmapLanes - lane0, n_neg - done), used = lane0 + nq;
      if (first) {
        rows[0] = yj;
        wa[0] = attraction_weight * alpha;
      }
      for (int q = lane0; q < used; ++q) {
        const std::size_t k = static_cast<std::size_t>(rng.below(n));
        rows[q] = snap + k * D;
        wa[q] = k == i ? 0.0f : alpha;
      }
      // Unused lanes repeat lane 0's row with weight 0: a row that does not move during the step
      // (the head does), so every path reads the same values in them.
      for (int q = used; q < kUmapLanes; ++q) {
        rows[q] = rows[0];
        wa[q] = 0.0f;
      }
      umap_lanes(DIM == 2 ? simd : Simd::portable, D, yi, rows, wa, first, p);
      done += nq;
      first = false;
    } while (done < n_neg);
  }
};

}  // namespace nembed

#endif
