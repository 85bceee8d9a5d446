// Epoch-based edge-sampling SGD of UMAP and of placing new points into a UMAP embedding (the
// contrastive losses NEG, NCE and InfoNCE run in contrastive.hpp's mini-batch SGD instead).
//
// Schedule (umap-learn's `make_epochs_per_sample`): a directed edge of weight w is processed every
// max(w) / w epochs; each time, it takes a number of uniformly drawn negatives that averages
// `negative_rate` per processing. The learning rate decays linearly,
// alpha_e = alpha_0 (1 - e / n_epochs), and every gradient coordinate is clipped.
//
// Reproducibility rule ("owner computes"): the vertices are split into fixed blocks of
// `block` consecutive indices whose boundaries do not depend on the thread count. In an epoch, each
// block processes the edges whose *head* it owns: the block's two halves (heads s..mid-1 and
// mid..e-1) each in CSR order with its own random stream Rng(seed, 2 (epoch * n_blocks + block))
// and Rng(seed, 2 (epoch * n_blocks + block) + 1), one due edge of each half in turn (see
// sgd_optimize). A block writes only the coordinates of its own heads (in
// place, so a head sees its own earlier updates within the epoch); every other coordinate it reads
// (tails, negatives) comes from a snapshot taken at the start of the epoch. No two blocks touch the
// same memory, so the result is bit-identical for a given seed whatever the number of threads, and
// there is no false sharing between threads.
//
// Consequence for umap-learn's `move_other`: a tail is never moved by its head's block. The graph is
// symmetric, so every undirected edge is stored in both directions with the same sampling rate, and
// the tail receives the same pull when its own copy of the edge is processed. UMAP moves both ends
// of each directed edge (two pulls per endpoint per sample of the pair), so a loss that mimics it
// applies the attraction with weight 2 (`UmapLoss::attraction_weight`).
//
// Transform (placing new points into a finished embedding, as umap-learn's and uwot's transform):
// the graph's heads are the new points, its tails index the fixed reference coordinates, which
// also supply the negatives (`sgd_optimize` with `fixed`). Only the new points move; they do not
// interact. The same block/stream rule applies to the heads, so the result does not depend on the
// number of threads either.
#ifndef NEMBED_SGD_HPP
#define NEMBED_SGD_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "nembed/graph.hpp"
#include "nembed/control.hpp"
#include "nembed/parallel.hpp"
#include "nembed/rng.hpp"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace nembed {

// ---- fast float pow for the UMAP kernel d^(2b): pow() would dominate the epoch loop. Branch-free,
// so that umap_lanes.hpp computes it in vector lanes with the same operations (and bits).
// Relative error below 3e-6 over the range the SGD meets (test-umap.R checks it against x^b).
// Both polynomials are evaluated in Estrin's scheme (independent halves combined with powers of the
// argument) rather than Horner's: the power lies on the dependency chain from one edge sample's
// move of the head to the next sample's distances (bench/results/umap-breakdown.md).
inline float fast_log2(float x) {
  std::uint32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int ex = static_cast<int>((bits >> 23) & 255u) - 127;
  bits = (bits & 0x007FFFFFu) | 0x3F800000u;
  float m;
  std::memcpy(&m, &bits, sizeof m);
  // m in [1, 2); above sqrt(2) use m / 2 and exponent + 1, so that t = (m - 1)/(m + 1) is in
  // (-0.172, 0.172) and log2(m) = 2/ln2 atanh(t) needs the series only to t^7 (error < 5e-8).
  const bool high = m > 1.41421356f;
  m = high ? 0.5f * m : m;
  const float e = static_cast<float>(ex + (high ? 1 : 0));
  const float t = (m - 1.0f) / (m + 1.0f), u = t * t, u2 = u * u;
  const float s = t * ((1.0f + u * (1.0f / 3)) + u2 * (1.0f / 5 + u * (1.0f / 7)));
  return e + 2.88539008f * s;
}

inline float fast_exp2(float y) {
  y = std::min(127.0f, std::max(-126.0f, y));
  const int fl = static_cast<int>(y + 127.0f) - 127;  // floor(y): the argument is positive
  const float f = (y - static_cast<float>(fl)) * 0.69314718f;  // in [0, ln 2)
  const float f2 = f * f, f4 = f2 * f2;
  // exp(f), Taylor to f^7 (relative error < 1.5e-6)
  const float p = ((1.0f + f) + f2 * (0.5f + f * (1.0f / 6))) +
                  f4 * ((1.0f / 24 + f * (1.0f / 120)) + f2 * (1.0f / 720 + f * (1.0f / 5040)));
  const std::uint32_t bits = static_cast<std::uint32_t>(fl + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// x^b for x > 0.
inline float fast_pow(float x, float b) { return fast_exp2(b * fast_log2(x)); }

// fast_pow of kPowBatch values at once, bit-identical to kPowBatch calls of fast_pow (the same IEEE
// single-precision operations in the same order, lane by lane): the powers of the portable path of
// UMAP's lanes (umap_lanes.hpp). Computed one at a time, the two long polynomial chains and the
// division run almost serially; with GCC/Clang vector extensions the lanes run in SIMD registers
// on any target (NEON on ARM), other compilers get the scalar loop.
inline constexpr int kPowBatch = 8;
#if defined(__GNUC__) && defined(__has_builtin)
#if __has_builtin(__builtin_convertvector)
#define NEMBED_SIMD_POW 1
#endif
#endif
#ifdef NEMBED_SIMD_POW
namespace detail {
typedef float f32x4 __attribute__((vector_size(16)));
typedef std::int32_t i32x4 __attribute__((vector_size(16)));
typedef std::uint32_t u32x4 __attribute__((vector_size(16)));

inline f32x4 select4(i32x4 mask, f32x4 a, f32x4 b) {  // mask lanes all ones: a, all zeros: b
  i32x4 ia, ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  const i32x4 r = (ia & mask) | (ib & ~mask);
  f32x4 out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

inline f32x4 fast_log2_x4(f32x4 x) {
  u32x4 bits;
  std::memcpy(&bits, &x, sizeof bits);
  const i32x4 ex = (i32x4)((bits >> 23) & 255u) - 127;
  bits = (bits & 0x007FFFFFu) | 0x3F800000u;
  f32x4 m;
  std::memcpy(&m, &bits, sizeof m);
  const f32x4 sqrt2 = {1.41421356f, 1.41421356f, 1.41421356f, 1.41421356f};
  const i32x4 high = m > sqrt2;  // all ones where true
  m = select4(high, 0.5f * m, m);
  const f32x4 e = __builtin_convertvector(ex - high, f32x4);  // ex + 1 where high
  const f32x4 t = (m - 1.0f) / (m + 1.0f), u = t * t, u2 = u * u;
  const f32x4 s = t * ((1.0f + u * (1.0f / 3)) + u2 * (1.0f / 5 + u * (1.0f / 7)));
  return e + 2.88539008f * s;
}

inline f32x4 fast_exp2_x4(f32x4 y) {
  const f32x4 lo = {-126.0f, -126.0f, -126.0f, -126.0f}, hi = {127.0f, 127.0f, 127.0f, 127.0f};
  y = select4(lo < y, y, lo);  // std::max(-126.0f, y)
  y = select4(y < hi, y, hi);  // std::min(127.0f, y)
  const i32x4 fl = __builtin_convertvector(y + 127.0f, i32x4) - 127;
  const f32x4 f = (y - __builtin_convertvector(fl, f32x4)) * 0.69314718f;
  const f32x4 f2 = f * f, f4 = f2 * f2;
  const f32x4 p = ((1.0f + f) + f2 * (0.5f + f * (1.0f / 6))) +
                  f4 * ((1.0f / 24 + f * (1.0f / 120)) + f2 * (1.0f / 720 + f * (1.0f / 5040)));
  const u32x4 bits = (u32x4)(fl + 127) << 23;
  f32x4 scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}
}  // namespace detail
#endif

// out[q] = fast_pow(x[q], b) for q < kPowBatch (x[q] > 0).
inline void fast_pow_batch(const float* x, float b, float* out) {
#ifdef NEMBED_SIMD_POW
  for (int q = 0; q < kPowBatch; q += 4) {
    detail::f32x4 v;
    std::memcpy(&v, x + q, sizeof v);
    v = detail::fast_exp2_x4(b * detail::fast_log2_x4(v));
    std::memcpy(out + q, &v, sizeof v);
  }
#else
  for (int q = 0; q < kPowBatch; ++q) out[q] = fast_pow(x[q], b);
#endif
}

inline float clip4(float g, float c) { return g > c ? c : (g < -c ? -c : g); }

inline float squared_distance(const float* a, const float* b, int D) {
  float s = 0.0f;
  for (int d = 0; d < D; ++d) {
    const float u = a[d] - b[d];
    s += u * u;
  }
  return s;
}

// Directed edges in CSR order of their head. The epoch at which each edge is next due is kept in a
// separate array: every epoch scans it for all edges, while the rest of an edge's record is read
// only when the edge is due (most light edges are not), which keeps the scan's memory traffic low.
struct SgdEdge {
  int tail;
  float epochs_per_sample;
  float epochs_per_negative;
  float next_negative;
};

struct SgdGraph {
  std::size_t n = 0;
  std::vector<std::size_t> ptr;  // n + 1
  std::vector<SgdEdge> edges;
  std::vector<float> next_sample;
};

// Edges of the symmetric matrix W, each processed every max(W) / w epochs; entries below
// max(W) / n_epochs are dropped (they would never be sampled), as in umap-learn. With
// `skip_diagonal = false` W may be rectangular (rows: heads, columns: another point set's tails).
inline SgdGraph make_sgd_graph(const CsrGraph& W, int n_epochs, double negative_rate,
                               bool skip_diagonal = true) {
  SgdGraph g;
  g.n = W.n;
  g.ptr.assign(W.n + 1, 0);
  double wmax = 0.0;
  for (double v : W.val) wmax = std::max(wmax, v);
  const double cutoff = n_epochs > 0 ? wmax / n_epochs : 0.0;
  g.edges.reserve(W.nnz());
  for (std::size_t r = 0; r < W.n; ++r) {
    for (std::size_t p = W.ptr[r]; p < W.ptr[r + 1]; ++p) {
      const double v = W.val[p];
      if (!(v > 0.0) || v < cutoff || (skip_diagonal && static_cast<std::size_t>(W.idx[p]) == r))
        continue;
      const float eps = static_cast<float>(wmax / v);
      const float epn = negative_rate > 0 ? static_cast<float>(wmax / v / negative_rate) : 0.0f;
      g.edges.push_back(SgdEdge{W.idx[p], eps, epn, epn});
      g.next_sample.push_back(eps);
    }
    g.ptr[r + 1] = g.edges.size();
  }
  return g;
}

// The edges from m new points to their k reference neighbours (row-major m x k, 0-based) with
// weights w, for sgd_optimize with fixed reference coordinates.
inline SgdGraph make_transform_graph(std::size_t m, std::size_t k, const std::vector<int>& nbr,
                                     const std::vector<double>& w, int n_epochs,
                                     double negative_rate) {
  CsrGraph R;
  R.n = m;
  R.ptr.resize(m + 1);
  for (std::size_t i = 0; i <= m; ++i) R.ptr[i] = i * k;
  R.idx = nbr;
  R.val = w;
  return make_sgd_graph(R, n_epochs, negative_rate, false);
}

// The losses of the SGD family (sgd_optimize, contrastive_batch_sgd) and their names in R.
enum class LossKind { neg, nce, infonce, umap };
inline constexpr std::pair<const char*, LossKind> loss_names[] = {
    {"neg", LossKind::neg}, {"nce", LossKind::nce}, {"infonce", LossKind::infonce},
    {"umap", LossKind::umap}};

struct SgdOptions {
  int n_epochs = 200;
  float learning_rate = 1.0f;
  double negative_rate = 5.0;  // mean negatives per processed edge
  std::uint64_t seed = 1;
  std::size_t block = 256;
  std::string label = "sgd";
};

// The first edge in [p, pe) due at `now` (!(next_sample > now)), or pe. Eight edges at a time with
// SSE2: about a third of the edges are due in an epoch, in no pattern a branch predictor can
// follow, so testing them one by one mispredicted a branch on about every other edge (the scan was
// 15% of the SGD's time at 70,000 points).
inline std::size_t first_due(const float* next_sample, std::size_t p, std::size_t pe, float now) {
#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
  const __m128 t = _mm_set1_ps(now);
  for (; p + 8 <= pe; p += 8) {
    const int m = _mm_movemask_ps(_mm_cmpngt_ps(_mm_loadu_ps(next_sample + p), t)) |
                  (_mm_movemask_ps(_mm_cmpngt_ps(_mm_loadu_ps(next_sample + p + 4), t)) << 4);
    if (m != 0) return p + static_cast<std::size_t>(__builtin_ctz(static_cast<unsigned>(m)));
  }
#endif
  for (; p < pe; ++p)
    if (!(next_sample[p] > now)) break;
  return p;
}

// The due edges of the heads [i, end) of one block half, in CSR order.
struct DueEdgeCursor {
  std::size_t i, end, p;
  DueEdgeCursor(const SgdGraph& g, std::size_t s, std::size_t e) : i(s), end(e), p(g.ptr[s]) {}
  // Moves p to the next edge due at `now` (from p on) and i to its head; false when the half has
  // none left.
  bool next(const SgdGraph& g, float now) {
    if (i >= end) return false;
    const std::size_t pe = g.ptr[end];
    p = first_due(g.next_sample.data(), p, pe, now);
    if (p == pe) {
      i = end;
      return false;
    }
    while (g.ptr[i + 1] <= p) ++i;
    return true;
  }
};

// The negatives edge p takes when processed at `now` (umap-learn's schedule); books them.
inline int take_negatives(SgdEdge& ed, float now) {
  int n_neg = ed.epochs_per_negative > 0.0f
                  ? static_cast<int>((now - ed.next_negative) / ed.epochs_per_negative)
                  : 0;
  if (n_neg < 0) n_neg = 0;
  ed.next_negative += static_cast<float>(n_neg) * ed.epochs_per_negative;
  return n_neg;
}

// Runs opt.n_epochs epochs on Y (n x dim, row-major floats). Loss must provide
//   void step(float* yi, std::size_t i, const float* yj, const float* snap, std::size_t n,
//             int n_neg, Rng& rng, float alpha) const;
// where yi is the head (writable), yj the tail's snapshot row, snap the whole snapshot (n rows,
// from which negatives are drawn) and i the head's row in snap (a draw of i is not a negative).
// With `fixed` (transform), the tails and negatives are the rows of *fixed, which never move, and
// i is SIZE_MAX: the heads are not among them.
//
// Each block's heads are split into two halves, each with its own random stream, and the halves'
// due edges are processed in alternation, one of each at a time. A head's updates are one
// dependency chain (distances, powers, coefficients, move, then the next edge's distances from the
// moved head); two heads of different halves are independent, so their chains overlap.
template <class Loss, class Exec>
void sgd_optimize(std::vector<float>& Y, int dim, SgdGraph& g, Loss& loss, const SgdOptions& opt,
                  const Exec& exec, Control& control, const std::vector<float>* fixed = nullptr) {
  const std::size_t n = g.n;
  const std::size_t nb = n_blocks(n, opt.block);
  std::vector<float> snap(fixed ? 0 : Y.size());
  const float* others = fixed ? fixed->data() : snap.data();
  const std::size_t n_others = fixed ? fixed->size() / static_cast<std::size_t>(dim) : n;
  const std::size_t dims = static_cast<std::size_t>(dim);
  const int every = std::max(1, opt.n_epochs / 10);
  for (int epoch = 0; epoch < opt.n_epochs; ++epoch) {
    const float alpha =
        opt.learning_rate * (1.0f - static_cast<float>(epoch) / static_cast<float>(opt.n_epochs));
    const float now = static_cast<float>(epoch + 1);
    if (!fixed) std::copy(Y.begin(), Y.end(), snap.begin());
    for_each_block(exec, n, opt.block, [&](std::size_t b, std::size_t s, std::size_t e) {
      const std::uint64_t stream = 2 * (static_cast<std::uint64_t>(epoch) * nb + b);
      Rng rng_a(opt.seed, stream), rng_b(opt.seed, stream + 1);
      const std::size_t mid = s + (e - s + 1) / 2;
      DueEdgeCursor ca(g, s, mid), cb(g, mid, e);
      auto head = [&](const DueEdgeCursor& c) { return fixed ? SIZE_MAX : c.i; };
      auto tail = [&](std::size_t p) { return others + static_cast<std::size_t>(g.edges[p].tail) * dims; };
      // After the edge at c.p is processed: its next epoch, and on to the next edge.
      auto processed = [&](DueEdgeCursor& c) {
        g.next_sample[c.p] += g.edges[c.p].epochs_per_sample;
        ++c.p;
      };
      auto single = [&](DueEdgeCursor& c, Rng& rng) {
        while (c.next(g, now)) {
          const int n_neg = take_negatives(g.edges[c.p], now);
          loss.step(Y.data() + c.i * dims, head(c), tail(c.p), others, n_others, n_neg, rng, alpha);
          processed(c);
        }
      };
      while (ca.next(g, now) && cb.next(g, now)) {
        const int na = take_negatives(g.edges[ca.p], now);
        const int nn = take_negatives(g.edges[cb.p], now);
        loss.step(Y.data() + ca.i * dims, head(ca), tail(ca.p), others, n_others, na, rng_a, alpha);
        loss.step(Y.data() + cb.i * dims, head(cb), tail(cb.p), others, n_others, nn, rng_b, alpha);
        processed(ca);
        processed(cb);
      }
      single(ca, rng_a);
      single(cb, rng_b);
    });
    control.check();
    if (control.verbose() && ((epoch + 1) % every == 0 || epoch + 1 == opt.n_epochs))
      control.message(opt.label + ": epoch " + std::to_string(epoch + 1) + " / " +
                      std::to_string(opt.n_epochs));
  }
}

}  // namespace nembed

#endif
