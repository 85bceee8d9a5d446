// The core's one graph layer: the CSR type every method works on, symmetrisation of a directed
// kNN graph under a combine rule, and connected components.
#ifndef NEMBED_GRAPH_HPP
#define NEMBED_GRAPH_HPP

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "nembed/parallel.hpp"

namespace nembed {

// A weighted graph (or sparse matrix) in compressed sparse rows: row r's neighbours are
// idx[ptr[r] .. ptr[r+1]) with weights val[...]. For a symmetric matrix this is also its CSC form
// (a dgCMatrix's p, i, x). Rows may be rectangular (columns index another point set) for the
// transform graphs; `n` is always the number of rows. Value is the weights' type: double for
// the graphs (CsrGraph), float for t-SNE's P (SparseP in tsne.hpp), whose attraction pass is
// memory-bound.
template <class Value>
struct BasicCsr {
  std::size_t n = 0;
  std::vector<std::size_t> ptr;  // n + 1
  std::vector<int> idx;
  std::vector<Value> val;
  std::size_t nnz() const { return idx.size(); }
};
using CsrGraph = BasicCsr<double>;

// How symmetrize() combines the two directed weights f = w(i -> j) and b = w(j -> i) (a missing
// direction counts as 0):
//   sum:         (f + b) * scale            (t-SNE's P + P^T, scale 1 / 2n)
//   fuzzy_union: mix (f + b - f b) + (1 - mix) f b   (UMAP's set_op_mix_ratio; mix 1 = union)
//   max:         max(f, b)                  (union of a kNN graph keeping the larger weight)
//   binary:      1 wherever f or b is positive
enum class Combine { sum, fuzzy_union, max, binary };

struct CombineRule {
  Combine kind = Combine::sum;
  double scale = 1.0;  // sum only
  double mix = 1.0;    // fuzzy_union only
  double operator()(double f, double b) const {
    switch (kind) {
      case Combine::sum: return (f + b) * scale;
      case Combine::fuzzy_union: return mix * (f + b - f * b) + (1.0 - mix) * f * b;
      case Combine::max: return std::max(f, b);
      case Combine::binary: return (f > 0.0 || b > 0.0) ? 1.0 : 0.0;
    }
    return 0.0;
  }
};

// An n x k neighbour matrix stored by columns with 1-based indices (R's kNN matrices) read as
// the row-major, 0-based array symmetrize() takes: entry pos = i * k + j is point i's j-th
// neighbour. Saves the copy (4 bytes per directed edge, 0.36 GB at 10^6 points x 90 neighbours).
struct ColumnMajorNeighbours {
  const int* idx = nullptr;
  std::size_t n = 0, k = 0;
  int operator[](std::size_t pos) const { return idx[(pos % k) * n + pos / k] - 1; }
  // Point i's j-th neighbour without the two divisions of operator[].
  int at(std::size_t i, std::size_t j) const { return idx[j * n + i] - 1; }
};

// Point i's j-th neighbour (of k) in either neighbour array symmetrize() takes.
inline int neighbour_at(const std::vector<int>& nbr, std::size_t i, std::size_t j, std::size_t k) {
  return nbr[i * k + j];
}
inline int neighbour_at(const ColumnMajorNeighbours& nbr, std::size_t i, std::size_t j, std::size_t) {
  return nbr.at(i, j);
}

// The default output of symmetrize_into(): the result as a CsrGraph.
struct CsrSink {
  CsrGraph g;
  // Called once, from the calling thread, with the row pointers (n + 1); returns where the
  // column indices and values go.
  std::pair<int*, double*> allocate(std::size_t n, const std::vector<std::size_t>& ptr) {
    g.n = n;
    g.ptr = ptr;
    g.idx.resize(ptr[n]);
    g.val.resize(ptr[n]);
    return {g.idx.data(), g.val.data()};
  }
};

namespace detail {

// Pos: an unsigned type that can hold n * k (uint32_t up to 4.29e9 directed edges). Nbr: the
// row-major neighbour array (std::vector<int> or ColumnMajorNeighbours); W: the directed
// weights, w[pos] (a std::vector<double>, or an accessor that computes them: see
// symmetrize_into()).
template <class Pos, class Nbr, class W, class Sink, class Exec>
void symmetrize_impl(std::size_t n, std::size_t k, const Nbr& nbr, const W& w,
                     const CombineRule& combine, const Exec& exec, Sink& sink) {
  // Memory matters here (1M points x 90 neighbours): instead of listing every directed edge twice
  // (forward and backward, 24 bytes each) and sorting, keep the kNN rows as they are and build
  // only their transpose, as positions into the kNN arrays (4 bytes per edge). Row r of the
  // result is then the merge of its own neighbours (sorted locally) and the points that have r
  // as a neighbour (sorted by construction), done twice per row: once to count, once to write.
  auto valid = [&](std::size_t i, int c) { return c >= 0 && static_cast<std::size_t>(c) != i; };
  std::vector<std::size_t> tptr(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const int c = neighbour_at(nbr, i, j, k);
      if (valid(i, c)) ++tptr[c + 1];
    }
  for (std::size_t i = 0; i < n; ++i) tptr[i + 1] += tptr[i];
  std::vector<Pos> tpos(tptr[n]);  // tpos[t] = i * k + j for an edge i -> c
  {
    std::vector<std::size_t> fill(tptr.begin(), tptr.end() - 1);
    for (std::size_t i = 0; i < n; ++i)  // ascending i: each transposed row comes out sorted
      for (std::size_t j = 0; j < k; ++j) {
        const int c = neighbour_at(nbr, i, j, k);
        if (valid(i, c)) tpos[fill[c]++] = static_cast<Pos>(i * k + j);
      }
  }
  auto source = [&](std::size_t t) { return static_cast<int>(tpos[t] / k); };
  // Merges row r: forward entries (own neighbours as (column, position) pairs, sorted into
  // `order`) with backward ones (the transposed row); repeated columns are summed per direction.
  // emit(col, fwd, bwd); the weights are read only when kWeights (the counting pass needs none,
  // and a computed w costs an exp per read).
  using Entry = std::pair<int, std::size_t>;
  auto merge_row = [&](std::size_t r, std::vector<Entry>& order, auto weights, auto&& emit) {
    constexpr bool kWeights = decltype(weights)::value;
    order.clear();
    for (std::size_t j = 0; j < k; ++j) {
      const int c = neighbour_at(nbr, r, j, k);
      if (valid(r, c)) order.emplace_back(c, r * k + j);
    }
    std::sort(order.begin(), order.end());  // by column, then position
    std::size_t f = 0, t = tptr[r];
    const std::size_t f_end = order.size(), t_end = tptr[r + 1];
    while (f < f_end || t < t_end) {
      const int col = (t == t_end || (f < f_end && order[f].first <= source(t))) ? order[f].first : source(t);
      double fwd = 0.0, bwd = 0.0;
      for (; f < f_end && order[f].first == col; ++f)
        if (kWeights) fwd += w[order[f].second];
      for (; t < t_end && source(t) == col; ++t)
        if (kWeights) bwd += w[tpos[t]];
      emit(col, fwd, bwd);
    }
  };
  // Rows are independent, so the result does not depend on the number of threads.
  std::vector<std::size_t> kept(n, 0);
  exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
    std::vector<Entry> order;
    order.reserve(k);
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t c = 0;
      merge_row(r, order, std::false_type(), [&](int, double, double) { ++c; });
      kept[r] = c;
    }
  }, 256);
  std::vector<std::size_t> ptr(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) ptr[r + 1] = ptr[r] + kept[r];
  std::vector<std::size_t>().swap(kept);
  const std::pair<int*, double*> out = sink.allocate(n, ptr);
  exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
    std::vector<Entry> order;
    order.reserve(k);
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t q = ptr[r];
      merge_row(r, order, std::true_type(), [&](int col, double fwd, double bwd) {
        out.first[q] = col;
        out.second[q++] = combine(fwd, bwd);
      });
    }
  }, 256);
}

}  // namespace detail

// Directed weights w(i -> nbr[i*k + j]) = w[i*k + j] turned into a symmetric matrix whose (i, j)
// entry is combine(w(i -> j), w(j -> i)) (missing directions count as 0), written where
// sink.allocate(n, ptr) says (see CsrSink): e.g. straight into the caller's result arrays,
// without a second copy of them. `w` is anything with operator[](pos) returning the weight, so
// weights may be computed when read instead of stored (4 reads per directed edge). Row entries
// sorted by column. Self-loops and negative indices (no neighbour) are dropped; repeated
// neighbours of a row are summed per direction before combining.
template <class Nbr, class W, class Sink, class Exec>
void symmetrize_into(std::size_t n, std::size_t k, const Nbr& nbr, const W& w,
                     const CombineRule& combine, const Exec& exec, Sink& sink) {
  if (n * k <= std::numeric_limits<std::uint32_t>::max())
    detail::symmetrize_impl<std::uint32_t>(n, k, nbr, w, combine, exec, sink);
  else
    detail::symmetrize_impl<std::uint64_t>(n, k, nbr, w, combine, exec, sink);
}

// symmetrize_into() a CsrGraph.
template <class Nbr, class Exec>
CsrGraph symmetrize(std::size_t n, std::size_t k, const Nbr& nbr,
                     const std::vector<double>& w, const CombineRule& combine, const Exec& exec) {
  CsrSink sink;
  symmetrize_into(n, k, nbr, w, combine, exec, sink);
  return std::move(sink.g);
}

// The directed edges (r -> c) with positive weight and r != c, in row order: the pairs that
// mini-batch SGD (contrastive, parametric) samples from a symmetric graph.
inline void positive_edges(const CsrGraph& g, std::vector<int>& heads, std::vector<int>& tails) {
  heads.clear();
  tails.clear();
  for (std::size_t r = 0; r < g.n; ++r)
    for (std::size_t q = g.ptr[r]; q < g.ptr[r + 1]; ++q)
      if (g.val[q] > 0 && static_cast<std::size_t>(g.idx[q]) != r) {
        heads.push_back(static_cast<int>(r));
        tails.push_back(g.idx[q]);
      }
}

// Connected components of the graph with an edge wherever the weight is positive. label[v] is v's
// component, numbered 0, 1, ... in order of each component's smallest vertex.
struct Components {
  int count = 0;
  std::vector<int> label;
};

inline Components connected_components(const CsrGraph& g) {
  Components c;
  c.label.assign(g.n, -1);
  std::vector<std::size_t> stack;
  for (std::size_t s = 0; s < g.n; ++s) {
    if (c.label[s] >= 0) continue;
    c.label[s] = c.count;
    stack.assign(1, s);
    while (!stack.empty()) {
      const std::size_t v = stack.back();
      stack.pop_back();
      for (std::size_t p = g.ptr[v]; p < g.ptr[v + 1]; ++p) {
        const int u = g.idx[p];
        if (g.val[p] > 0.0 && c.label[u] < 0) {
          c.label[u] = c.count;
          stack.push_back(static_cast<std::size_t>(u));
        }
      }
    }
    ++c.count;
  }
  return c;
}

}  // namespace nembed

#endif
