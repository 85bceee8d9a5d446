// Exact O(n^2) t-SNE repulsion: the reference the approximations are tested against.
#ifndef NEMBED_TSNE_EXACT_HPP
#define NEMBED_TSNE_EXACT_HPP

#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

template <int D, class Exec>
void repulsion_exact(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
                     Repulsion& out, const Exec& exec) {
  out.force.assign(n * D, 0.0);
  out.Z = block_sum(exec, n, 256, [&](std::size_t i0, std::size_t i1) {
    double z = 0.0;
    for (std::size_t i = i0; i < i1; ++i) {
      double f[D] = {};
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        add_repulsion<D>(kern, &Y[i * D], &Y[j * D], 1.0, z, f);
      }
      for (int c = 0; c < D; ++c) out.force[i * D + c] = f[c];
    }
    return z;
  });
}

}  // namespace nembed

#endif
