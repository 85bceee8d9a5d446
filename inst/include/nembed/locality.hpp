// Memory locality for large embeddings: points renumbered along a Hilbert curve of the layout.
//
// The attraction pass reads y_j for every edge (i, j) of P; with points in the user's order those
// reads are random over the whole layout, and once n * D doubles no longer fit in cache (n around
// 10^5 and up) every edge costs a cache miss. Renumbered so that points close in the layout are
// close in memory, the neighbours of i in P (which are close to i in the layout once the early
// phase has gathered them) are mostly in cache, and the FFT spreading and gathering walk the grid
// in order too. The renumbering is a permutation applied to P and to the optimiser's per-point
// state; results are the same up to floating-point summation order.
#ifndef NEMBED_LOCALITY_HPP
#define NEMBED_LOCALITY_HPP

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace nembed {

// Position of cell (x, y) along the Hilbert curve filling a side x side grid (side a power of 2).
inline std::uint64_t hilbert_index(std::uint32_t side, std::uint32_t x, std::uint32_t y) {
  std::uint64_t d = 0;
  for (std::uint32_t s = side / 2; s > 0; s /= 2) {
    const std::uint32_t rx = (x & s) ? 1u : 0u, ry = (y & s) ? 1u : 0u;
    d += static_cast<std::uint64_t>(s) * s * ((3u * rx) ^ ry);
    if (ry == 0) {
      if (rx == 1) {
        x = side - 1 - x;
        y = side - 1 - y;
      }
      std::swap(x, y);
    }
  }
  return d;
}

// order[new] = old: the points of the row-major n x D layout Y sorted along a Hilbert curve of
// their first two coordinates (along the coordinate in 1-D). Ties keep index order, so the order
// is deterministic.
inline std::vector<int> hilbert_order(const std::vector<double>& Y, std::size_t n, int D) {
  std::vector<std::uint64_t> key(n);
  const int dims = D >= 2 ? 2 : 1;
  double lo[2] = {1e300, 1e300}, hi[2] = {-1e300, -1e300};
  for (std::size_t i = 0; i < n; ++i)
    for (int c = 0; c < dims; ++c) {
      lo[c] = std::min(lo[c], Y[i * D + c]);
      hi[c] = std::max(hi[c], Y[i * D + c]);
    }
  const std::uint32_t side = 1u << 16;
  auto cell = [&](double v, int c) {
    const double span = hi[c] - lo[c];
    if (!(span > 0)) return std::uint32_t(0);
    const double u = (v - lo[c]) / span * (side - 1);
    return static_cast<std::uint32_t>(std::min(std::max(u, 0.0), double(side - 1)));
  };
  for (std::size_t i = 0; i < n; ++i)
    key[i] = dims == 1 ? cell(Y[i * D], 0)
                       : hilbert_index(side, cell(Y[i * D], 0), cell(Y[i * D + 1], 1));
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](int a, int b) { return key[a] < key[b] || (key[a] == key[b] && a < b); });
  return order;
}

// v (n blocks of `width` values) rearranged so that block new = v's block order[new].
template <class T>
void permute_blocks(std::vector<T>& v, const std::vector<int>& order, std::size_t width) {
  std::vector<T> out(v.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    std::copy_n(v.begin() + static_cast<std::size_t>(order[r]) * width, width,
                out.begin() + r * width);
  v.swap(out);
}

// Inverse of permute_blocks.
template <class T>
void unpermute_blocks(std::vector<T>& v, const std::vector<int>& order, std::size_t width) {
  std::vector<T> out(v.size());
  for (std::size_t r = 0; r < order.size(); ++r)
    std::copy_n(v.begin() + r * width, width,
                out.begin() + static_cast<std::size_t>(order[r]) * width);
  v.swap(out);
}

// The composition: order a then order b (b indexes a's numbering) as one order.
inline std::vector<int> compose_orders(const std::vector<int>& a, const std::vector<int>& b) {
  std::vector<int> out(b.size());
  for (std::size_t r = 0; r < b.size(); ++r) out[r] = a[b[r]];
  return out;
}

}  // namespace nembed

#endif
