// Exact O(n^2) t-SNE repulsion: the reference the approximations are tested against.
#ifndef NEMBED_REPULSION_EXACT_HPP
#define NEMBED_REPULSION_EXACT_HPP

#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

template <int D, class Exec>
void repulsion_exact(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
                     Repulsion& out, const Exec& exec) {
  out.force.assign(n * D, 0.0);
  const std::size_t block = 256;
  std::vector<double> zpart(n_blocks(n, block), 0.0);
  for_each_block(exec, n, block, [&](std::size_t b, std::size_t i0, std::size_t i1) {
    double z = 0.0;
    for (std::size_t i = i0; i < i1; ++i) {
      double f[D] = {};
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        double diff[D], d2 = 0.0;
        for (int c = 0; c < D; ++c) {
          diff[c] = Y[i * D + c] - Y[j * D + c];
          d2 += diff[c] * diff[c];
        }
        const double t = kern.t(d2), w = kern.w_from_t(t);
        z += w;
        for (int c = 0; c < D; ++c) f[c] += w * t * diff[c];
      }
      for (int c = 0; c < D; ++c) out.force[i * D + c] = f[c];
    }
    zpart[b] = z;
  });
  double Z = 0.0;
  for (double z : zpart) Z += z;
  out.Z = Z;
}

}  // namespace nembed

#endif
