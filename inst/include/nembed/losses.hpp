// One dispatch from a loss description to the loss objects the edge-sampling SGD is templated on,
// used by UMAP and by placing new points into any SGD embedding (transform).
#ifndef NEMBED_LOSSES_HPP
#define NEMBED_LOSSES_HPP

#include <cmath>

#include "nembed/contrastive.hpp"
#include "nembed/sgd.hpp"
#include "nembed/umap.hpp"

namespace nembed {

// The loss of an edge-sampling SGD run (sgd_optimize): NEG, NCE (NEG whose constant c learns
// log Z), InfoNCE, or UMAP (a, b, gamma; attraction_weight 2 mimics umap-learn's move_other, see
// sgd.hpp).
struct LossSpec {
  LossKind kind = LossKind::umap;
  double a = 1.0, b = 1.0, gamma = 1.0, attraction_weight = 2.0;
  double c = 1.0, rho = 1.0;
  int n_negatives = 5;
};

// Calls run(loss) with the loss `s` describes, for `dim` dimensions (a fixed-size kernel in 2-D).
// Returns the final NEG/NCE constant c (s.c for the other losses).
template <class Run>
double with_loss(const LossSpec& s, int dim, Run&& run) {
  double c_out = s.c;
  if (s.kind == LossKind::neg || s.kind == LossKind::nce) {
    auto go = [&](auto L) {
      L.c = static_cast<float>(s.c);
      L.dim = dim;
      L.learn_z = (s.kind == LossKind::nce);
      L.m = s.n_negatives;
      L.log_z = std::log(s.c / s.n_negatives);
      run(L);
      c_out = L.c;
    };
    if (dim == 2) go(NegSamplingLoss<2>());
    else go(NegSamplingLoss<0>());
  } else if (s.kind == LossKind::infonce) {
    auto go = [&](auto L) {
      L.rho = static_cast<float>(s.rho);
      L.dim = dim;
      run(L);
    };
    if (dim == 2) go(InfoNceLoss<2>());
    else go(InfoNceLoss<0>());
  } else {
    auto go = [&](auto L) {
      L.a = static_cast<float>(s.a);
      L.b = static_cast<float>(s.b);
      L.gamma = static_cast<float>(s.gamma);
      L.b_is_one = (s.b == 1.0);
      L.attraction_weight = static_cast<float>(s.attraction_weight);
      L.dim = dim;
      run(L);
    };
    if (dim == 2) go(UmapLoss<2>());
    else go(UmapLoss<0>());
  }
  return c_out;
}

}  // namespace nembed

#endif
