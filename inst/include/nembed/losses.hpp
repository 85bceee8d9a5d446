// One dispatch from a loss description to the loss object the edge-sampling SGD is templated on,
// used by UMAP and by placing new points into a UMAP embedding (transform). The contrastive
// losses run in contrastive.hpp's mini-batch SGD (embedding and transform) instead.
#ifndef NEMBED_LOSSES_HPP
#define NEMBED_LOSSES_HPP

#include "nembed/sgd.hpp"
#include "nembed/simd.hpp"
#include "nembed/umap.hpp"

namespace nembed {

// The loss of an edge-sampling SGD run (sgd_optimize): UMAP's (a, b, gamma; attraction_weight 2
// mimics umap-learn's move_other, see sgd.hpp).
struct LossSpec {
  double a = 1.0, b = 1.0, gamma = 1.0, attraction_weight = 2.0;
  Simd simd = best_simd();  // the 2-D lanes' vector path (umap_lanes.hpp); every path, same bits
};

// Calls run(loss) with the loss `s` describes, for `dim` dimensions: a fixed-size kernel in 2-D
// whose lanes use s.simd, unless `generic`, the portable loop for any dimension (tests compare it
// with the 2-D paths).
template <class Run>
void with_loss(const LossSpec& s, int dim, Run&& run, bool generic = false) {
  auto go = [&](auto L) {
    L.a = static_cast<float>(s.a);
    L.b = static_cast<float>(s.b);
    L.gamma = static_cast<float>(s.gamma);
    L.b_is_one = (s.b == 1.0);
    L.attraction_weight = static_cast<float>(s.attraction_weight);
    L.dim = dim;
    L.simd = usable_simd(s.simd);
    run(L);
  };
  if (dim == 2 && !generic) go(UmapLoss<2>());
  else go(UmapLoss<0>());
}

}  // namespace nembed

#endif
