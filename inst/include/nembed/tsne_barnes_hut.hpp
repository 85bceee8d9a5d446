// Barnes-Hut t-SNE repulsion (van der Maaten 2014) in 1, 2 or 3 dimensions: a 2^D-tree built
// top-down each iteration by partitioning point indices, then a parallel traversal per point that
// summarises a cell by its centre of mass when its diameter / distance < theta.
#ifndef NEMBED_TSNE_BARNES_HUT_HPP
#define NEMBED_TSNE_BARNES_HUT_HPP

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

template <int D>
class SpaceTree {
 public:
  static constexpr int kChildren = 1 << D;
  struct Node {
    std::array<double, D> com{}, centre{};
    double half = 0.0;  // half of the cell's width
    int count = 0;
    int first_child = -1;  // children are consecutive; -1 for a leaf
    int pt_begin = 0;      // leaves: range of order_
  };

  void build(const std::vector<double>& Y, std::size_t n) {
    nodes_.clear();
    order_.resize(n);
    for (std::size_t i = 0; i < n; ++i) order_[i] = static_cast<int>(i);
    std::array<double, D> lo, hi;
    lo.fill(1e300);
    hi.fill(-1e300);
    for (std::size_t i = 0; i < n; ++i)
      for (int c = 0; c < D; ++c) {
        lo[c] = std::min(lo[c], Y[i * D + c]);
        hi[c] = std::max(hi[c], Y[i * D + c]);
      }
    Node root;
    double half = 0.0;
    for (int c = 0; c < D; ++c) {
      root.centre[c] = 0.5 * (lo[c] + hi[c]);
      half = std::max(half, 0.5 * (hi[c] - lo[c]));
    }
    root.half = half * (1.0 + 1e-9) + 1e-12;
    nodes_.push_back(root);
    split(0, 0, static_cast<int>(n), Y, 0);
  }

  // Adds the repulsion on point i: z += sum_j w_ij, f += sum_j w_ij t_ij (y_i - y_j).
  void accumulate(std::size_t i, const std::vector<double>& Y, const TsneKernel& kern,
                  double theta2, double& z, double* f, std::vector<int>& stack) const {
    accumulate_at(&Y[i * D], i, Y, kern, theta2, z, f, stack);
  }

  // The same at an arbitrary position yi, skipping tree point `self` (pass SIZE_MAX for none).
  void accumulate_at(const double* yi, std::size_t i, const std::vector<double>& Y,
                     const TsneKernel& kern, double theta2, double& z, double* f,
                     std::vector<int>& stack) const {
    stack.clear();
    stack.push_back(0);
    while (!stack.empty()) {
      const Node& nd = nodes_[stack.back()];
      stack.pop_back();
      if (nd.count == 0) continue;
      if (nd.first_child < 0) {
        for (int q = nd.pt_begin; q < nd.pt_begin + nd.count; ++q) {
          const std::size_t j = static_cast<std::size_t>(order_[q]);
          if (j == i) continue;
          add_repulsion<D>(kern, yi, &Y[j * D], 1.0, z, f);
        }
        continue;
      }
      double d2 = 0.0;
      for (int c = 0; c < D; ++c) d2 += (yi[c] - nd.com[c]) * (yi[c] - nd.com[c]);
      // The cell's diameter (not its side) against theta: stricter than bhtsne's half-side
      // criterion, which keeps the force error near 1e-2 at theta = 0.5 in any dimension.
      const double diam2 = 4.0 * nd.half * nd.half * (D < 2 ? 2 : D);  // 1-D cells count as squares
      if (diam2 < theta2 * d2) {
        add_repulsion<D>(kern, yi, nd.com.data(), static_cast<double>(nd.count), z, f);
      } else {
        for (int ch = 0; ch < kChildren; ++ch) stack.push_back(nd.first_child + ch);
      }
    }
  }

 private:
  void split(int node, int b, int e, const std::vector<double>& Y, int depth) {
    Node& nd = nodes_[node];
    nd.count = e - b;
    nd.pt_begin = b;
    nd.com.fill(0.0);
    for (int q = b; q < e; ++q)
      for (int c = 0; c < D; ++c) nd.com[c] += Y[order_[q] * D + c];
    if (nd.count > 0)
      for (int c = 0; c < D; ++c) nd.com[c] /= nd.count;
    // Leaves hold one point, or several identical (or nearly so) points once cells get tiny.
    if (nd.count <= 1 || depth >= 48 || nd.half < 1e-12) return;
    const std::array<double, D> centre = nd.centre;
    const double half = nd.half;
    // Partition indices by child (bit c set if coordinate c >= centre).
    int bounds[kChildren + 1];
    bounds[0] = b;
    int start = b;
    for (int ch = 0; ch < kChildren; ++ch) {
      auto mid = std::partition(order_.begin() + start, order_.begin() + e, [&](int j) {
        int code = 0;
        for (int c = 0; c < D; ++c)
          if (Y[j * D + c] >= centre[c]) code |= (1 << c);
        return code == ch;
      });
      start = static_cast<int>(mid - order_.begin());
      bounds[ch + 1] = start;
    }
    const int first = static_cast<int>(nodes_.size());
    nodes_[node].first_child = first;
    for (int ch = 0; ch < kChildren; ++ch) {
      Node c;
      c.half = 0.5 * half;
      for (int d = 0; d < D; ++d) c.centre[d] = centre[d] + ((ch >> d) & 1 ? 0.5 : -0.5) * half;
      nodes_.push_back(c);
    }
    for (int ch = 0; ch < kChildren; ++ch) split(first + ch, bounds[ch], bounds[ch + 1], Y, depth + 1);
  }

  std::vector<Node> nodes_;
  std::vector<int> order_;
};

template <int D, class Exec>
void repulsion_barnes_hut(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
                          double theta, SpaceTree<D>& tree, Repulsion& out, const Exec& exec) {
  tree.build(Y, n);
  out.force.assign(n * D, 0.0);
  const double theta2 = theta * theta;
  out.Z = block_sum(exec, n, 512, [&](std::size_t i0, std::size_t i1) {
    std::vector<int> stack;
    stack.reserve(256);
    double z = 0.0;
    for (std::size_t i = i0; i < i1; ++i) {
      double f[D] = {};
      tree.accumulate(i, Y, kern, theta2, z, f, stack);
      for (int c = 0; c < D; ++c) out.force[i * D + c] = f[c];
    }
    return z;
  });
}

}  // namespace nembed

#endif
