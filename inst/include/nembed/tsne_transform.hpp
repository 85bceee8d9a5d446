// Placing new points into a fixed t-SNE embedding (as openTSNE's transform): each new point has
// affinities p_i. to its reference neighbours, starts at the median of its nearest reference
// points, and is moved alone, attracted by its neighbours and repelled by all reference points
// through a Barnes-Hut tree of the (fixed) reference built once. New points do not interact, so
// each minimises its own KL(p_i. || q_i.) with q_ij = w_ij / sum_l w_il over reference points.
#ifndef NEMBED_TSNE_TRANSFORM_HPP
#define NEMBED_TSNE_TRANSFORM_HPP

#include <cmath>
#include <cstdint>
#include <vector>

#include "nembed/tsne_barnes_hut.hpp"
#include "nembed/control.hpp"
#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

struct TransformParams {
  int n_iter = 250;
  double learning_rate = 1.0;
  double momentum = 0.8;
  double dof = 1.0;
  double theta = 0.5;
  double max_step_norm = 1.0;
};

// ref: n x D reference coordinates (row-major); nbr/p: m x k neighbours (0-based) and their
// affinities (rows sum to 1); Y: m x D initial positions, optimised in place.
template <int D, class Exec>
void tsne_transform(const std::vector<double>& ref, std::size_t n, const std::vector<int>& nbr,
                    const std::vector<double>& p, std::size_t k, std::vector<double>& Y,
                    const TransformParams& par, const Exec& exec, Control& control) {
  const std::size_t m = Y.size() / D;
  SpaceTree<D> tree;
  tree.build(ref, n);
  TsneKernel kern;
  kern.dof = par.dof;
  std::vector<double> update(m * D, 0.0), gains(m * D, 1.0);
  const double theta2 = par.theta * par.theta;
  const std::size_t none = SIZE_MAX;
  for (int it = 0; it < par.n_iter; ++it) {
    exec.parallel_for(0, m, [&](std::size_t i0, std::size_t i1) {
      std::vector<int> stack;
      stack.reserve(256);
      for (std::size_t i = i0; i < i1; ++i) {
        double* yi = &Y[i * D];
        double z = 0.0, rep[D] = {}, att[D] = {};
        tree.accumulate_at(yi, none, ref, kern, theta2, z, rep, stack);
        for (std::size_t q = 0; q < k; ++q) {
          const std::size_t j = static_cast<std::size_t>(nbr[i * k + q]);
          double diff[D], d2 = 0.0;
          for (int c = 0; c < D; ++c) {
            diff[c] = yi[c] - ref[j * D + c];
            d2 += diff[c] * diff[c];
          }
          const double t = kern.t(d2);
          for (int c = 0; c < D; ++c) att[c] += p[i * k + q] * t * diff[c];
        }
        double g[D];
        for (int c = 0; c < D; ++c) g[c] = att[c] - rep[c] / z;
        gain_momentum_step<D>(g, par.momentum, par.learning_rate, par.max_step_norm,
                              &gains[i * D], &update[i * D], yi);
      }
    }, 256);
    control.check();
  }
}

}  // namespace nembed

#endif
