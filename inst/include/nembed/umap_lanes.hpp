// One edge sample of UMAP's SGD (umap.hpp) in eight lanes: the tail and up to seven negatives.
// All coefficients come from the distances at the head's position before the sample; the tail's
// clipped attraction moves the head first, then the negatives' clipped repulsions, taken at the
// moved head and summed, move it once more. Three paths, chosen at run time (simd.hpp): the
// portable loop (any dimension), SSE2 (2-D, two registers of four lanes) and AVX (2-D, one register
// of eight). All do the same IEEE single-precision operations in the same order, lane by lane, and
// sum the lanes in the same tree (lane_sum8), so they give the same bits; test-umap.R compares every
// path the CPU has.
//
// Why lanes: umap-learn (and the step this replaced) moves the head after each term, so the six
// terms of an edge sample form one dependency chain (distance, power, division, clip, move, then
// the next term from the moved head). That chain bounded the SGD at 70,000 points. Here the
// powers, divisions and clipping of all eight lanes take one instruction each, off the chain.
// Moving the head by the attraction before the repulsions are applied keeps umap-learn's order
// where it matters: applying all six terms at once cost 3% of kNN recall at 70,000 points
// (bench/results/umap-lanes.md).
#ifndef NEMBED_UMAP_LANES_HPP
#define NEMBED_UMAP_LANES_HPP

#include <algorithm>
#include <cstddef>

#include "nembed/sgd.hpp"
#include "nembed/simd.hpp"

namespace nembed {

inline constexpr int kUmapLanes = 8;

// The loss's constants as the lanes use them.
struct UmapLaneParams {
  float a, b;
  float c_att;  // -2 a b: the attraction's coefficient is c_att d^(2b) / (d^2 (1 + a d^(2b)))
  float c_rep;  // 2 gamma b: the repulsion's is c_rep / ((0.001 + d^2) (1 + a d^(2b)))
  float clip;
  bool b_is_one;
};

namespace detail {

// SSE's maxps / minps, lane by lane: the second operand when the comparison is false (also for
// NaN), so that the portable loop clips exactly as the vector paths do.
inline float lane_max(float a, float b) { return a > b ? a : b; }
inline float lane_min(float a, float b) { return a < b ? a : b; }

// g clipped to [-c, c] as the vector paths clip (max, then min).
inline float umap_clip(float g, float c) { return lane_min(lane_max(g, -c), c); }

// The lanes' sum, in the tree the vector paths use (upper half onto lower, then pairs).
inline float lane_sum8(const float* l) {
  return ((l[0] + l[4]) + (l[2] + l[6])) + ((l[1] + l[5]) + (l[3] + l[7]));
}

// Any dimension D: rows[q] is lane q's point, lane 0 the tail when `tail`; unused lanes have weight
// wa[q] = 0 and point at any finite row other than y (the vector paths read the rows before y
// moves, this loop after). Moves y (D coordinates).
inline void umap_lanes_portable(int D, float* y, const float* const* rows, const float* wa,
                                bool tail, const UmapLaneParams& p) {
  static_assert(kPowBatch == kUmapLanes, "one batch of powers per batch of lanes");
  float coef[kUmapLanes], w[kUmapLanes], l[kUmapLanes], d2s[kUmapLanes], pbs[kUmapLanes];
  bool valid[kUmapLanes];
  for (int q = 0; q < kUmapLanes; ++q) {
    float d2 = 0.0f;
    for (int d = 0; d < D; ++d) {
      const float u = y[d] - rows[q][d];
      d2 += u * u;
    }
    valid[q] = d2 > 0.0f;
    d2s[q] = valid[q] ? d2 : 1.0f;
  }
  if (p.b_is_one)
    std::copy(d2s, d2s + kUmapLanes, pbs);
  else
    fast_pow_batch(d2s, p.b, pbs);
  for (int q = 0; q < kUmapLanes; ++q) {
    const float pb = pbs[q];
    const bool t = tail && q == 0;
    const float numer = t ? p.c_att * pb : p.c_rep;
    const float denom = d2s[q] + (t ? 0.0f : 0.001f);
    coef[q] = numer / (denom * (1.0f + p.a * pb));
    w[q] = valid[q] ? wa[q] : 0.0f;
  }
  const float w0 = w[0];
  if (tail) w[0] = 0.0f;
  // Coordinate d's moves need only y[d], so each coordinate is finished before the next.
  for (int d = 0; d < D; ++d) {
    if (tail) y[d] += w0 * umap_clip(coef[0] * (y[d] - rows[0][d]), p.clip);
    for (int q = 0; q < kUmapLanes; ++q)
      l[q] = w[q] * umap_clip(coef[q] * (y[d] - rows[q][d]), p.clip);
    y[d] += lane_sum8(l);
  }
}

#if defined(__SSE2__)
// Lanes 0-3 of rows (x, y interleaved) as x0 x1 x2 x3 and y0 y1 y2 y3.
inline void umap_gather4(const float* const* rows, __m128& x, __m128& y) {
  const __m128 z = _mm_setzero_ps();
  const __m128 ab = _mm_loadh_pi(_mm_loadl_pi(z, reinterpret_cast<const __m64*>(rows[0])),
                                 reinterpret_cast<const __m64*>(rows[1]));
  const __m128 cd = _mm_loadh_pi(_mm_loadl_pi(z, reinterpret_cast<const __m64*>(rows[2])),
                                 reinterpret_cast<const __m64*>(rows[3]));
  x = _mm_shuffle_ps(ab, cd, _MM_SHUFFLE(2, 0, 2, 0));
  y = _mm_shuffle_ps(ab, cd, _MM_SHUFFLE(3, 1, 3, 1));
}

inline __m128 select_sse2(__m128 mask, __m128 a, __m128 b) {  // mask ? a : b
  return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b));
}

// fast_log2 (sgd.hpp) in four lanes. The exponent is taken through floats, (E + 127) 2^23
// converted exactly, the same value as the scalar's integer shift (the AVX path has no integer
// shifts).
inline __m128 fast_log2_sse2(__m128 x) {
  const __m128 expo = _mm_and_ps(x, _mm_castsi128_ps(_mm_set1_epi32(0x7F800000)));
  const __m128 ex = _mm_sub_ps(
      _mm_mul_ps(_mm_cvtepi32_ps(_mm_castps_si128(expo)), _mm_set1_ps(1.0f / 8388608.0f)),
      _mm_set1_ps(127.0f));
  __m128 m = _mm_or_ps(_mm_and_ps(x, _mm_castsi128_ps(_mm_set1_epi32(0x007FFFFF))),
                       _mm_castsi128_ps(_mm_set1_epi32(0x3F800000)));
  const __m128 high = _mm_cmpgt_ps(m, _mm_set1_ps(1.41421356f));
  m = select_sse2(high, _mm_mul_ps(_mm_set1_ps(0.5f), m), m);
  const __m128 e = _mm_add_ps(ex, _mm_and_ps(high, _mm_set1_ps(1.0f)));
  const __m128 one = _mm_set1_ps(1.0f);
  const __m128 t = _mm_div_ps(_mm_sub_ps(m, one), _mm_add_ps(m, one)), u = _mm_mul_ps(t, t),
               u2 = _mm_mul_ps(u, u);
  const __m128 s = _mm_mul_ps(
      t, _mm_add_ps(_mm_add_ps(one, _mm_mul_ps(u, _mm_set1_ps(1.0f / 3))),
                    _mm_mul_ps(u2, _mm_add_ps(_mm_set1_ps(1.0f / 5),
                                              _mm_mul_ps(u, _mm_set1_ps(1.0f / 7))))));
  return _mm_add_ps(e, _mm_mul_ps(_mm_set1_ps(2.88539008f), s));
}

// fast_exp2 (sgd.hpp) in four lanes; 2^floor(y) is built from the float (floor(y) + 127) 2^23,
// converted exactly to the integer whose bits it is.
inline __m128 fast_exp2_sse2(__m128 y) {
  y = _mm_min_ps(_mm_max_ps(y, _mm_set1_ps(-126.0f)), _mm_set1_ps(127.0f));
  const __m128 flb = _mm_cvtepi32_ps(_mm_cvttps_epi32(_mm_add_ps(y, _mm_set1_ps(127.0f))));
  const __m128 f = _mm_mul_ps(_mm_sub_ps(y, _mm_sub_ps(flb, _mm_set1_ps(127.0f))),
                              _mm_set1_ps(0.69314718f));
  const __m128 f2 = _mm_mul_ps(f, f), f4 = _mm_mul_ps(f2, f2);
  const __m128 p = _mm_add_ps(
      _mm_add_ps(_mm_add_ps(_mm_set1_ps(1.0f), f),
                 _mm_mul_ps(f2, _mm_add_ps(_mm_set1_ps(0.5f), _mm_mul_ps(f, _mm_set1_ps(1.0f / 6))))),
      _mm_mul_ps(f4, _mm_add_ps(_mm_add_ps(_mm_set1_ps(1.0f / 24),
                                           _mm_mul_ps(f, _mm_set1_ps(1.0f / 120))),
                                _mm_mul_ps(f2, _mm_add_ps(_mm_set1_ps(1.0f / 720),
                                                          _mm_mul_ps(f, _mm_set1_ps(1.0f / 5040)))))));
  const __m128 scale =
      _mm_castsi128_ps(_mm_cvtps_epi32(_mm_mul_ps(flb, _mm_set1_ps(8388608.0f))));
  return _mm_mul_ps(p, scale);
}

// Four lanes' coefficients and weights from the head (yx, yy) and their points' offsets dx, dy.
inline void umap_coef_sse2(__m128 dx, __m128 dy, __m128 wa, __m128 tail, const UmapLaneParams& p,
                           __m128& coef, __m128& w) {
  const __m128 one = _mm_set1_ps(1.0f);
  const __m128 d2 = _mm_add_ps(_mm_mul_ps(dx, dx), _mm_mul_ps(dy, dy));
  const __m128 valid = _mm_cmpgt_ps(d2, _mm_setzero_ps());
  const __m128 d2s = select_sse2(valid, d2, one);
  const __m128 pb =
      p.b_is_one ? d2s : fast_exp2_sse2(_mm_mul_ps(_mm_set1_ps(p.b), fast_log2_sse2(d2s)));
  const __m128 numer = select_sse2(tail, _mm_mul_ps(_mm_set1_ps(p.c_att), pb), _mm_set1_ps(p.c_rep));
  const __m128 denom = _mm_add_ps(d2s, _mm_andnot_ps(tail, _mm_set1_ps(0.001f)));
  coef = _mm_div_ps(numer, _mm_mul_ps(denom, _mm_add_ps(one, _mm_mul_ps(_mm_set1_ps(p.a), pb))));
  w = _mm_and_ps(valid, wa);
}

// w clip(coef d) in four lanes.
inline __m128 umap_move_sse2(__m128 w, __m128 coef, __m128 d, float c) {
  return _mm_mul_ps(w, _mm_min_ps(_mm_max_ps(_mm_mul_ps(coef, d), _mm_set1_ps(-c)), _mm_set1_ps(c)));
}

// lane_sum8 of the lanes lo (0-3) and hi (4-7).
inline float umap_sum_sse2(__m128 lo, __m128 hi) {
  const __m128 s = _mm_add_ps(lo, hi);                // l0+l4, l1+l5, l2+l6, l3+l7
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));  // (l0+l4)+(l2+l6), (l1+l5)+(l3+l7)
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, _MM_SHUFFLE(1, 1, 1, 1))));
}

inline void umap_lanes_sse2(float* y, const float* const* rows, const float* wa, bool tail,
                            const UmapLaneParams& p) {
  __m128 x0, y0, x1, y1, c0, c1, w0, w1;
  umap_gather4(rows, x0, y0);
  umap_gather4(rows + 4, x1, y1);
  __m128 yx = _mm_set1_ps(y[0]), yy = _mm_set1_ps(y[1]);
  const __m128 tail0 = _mm_castsi128_ps(_mm_set_epi32(0, 0, 0, tail ? -1 : 0));
  umap_coef_sse2(_mm_sub_ps(yx, x0), _mm_sub_ps(yy, y0), _mm_loadu_ps(wa), tail0, p, c0, w0);
  umap_coef_sse2(_mm_sub_ps(yx, x1), _mm_sub_ps(yy, y1), _mm_loadu_ps(wa + 4), _mm_setzero_ps(), p,
                 c1, w1);
  if (tail) {  // the attraction first (lane 0), then the repulsions without it
    const float ct = _mm_cvtss_f32(c0), wt = _mm_cvtss_f32(w0);
    y[0] += wt * umap_clip(ct * (y[0] - rows[0][0]), p.clip);
    y[1] += wt * umap_clip(ct * (y[1] - rows[0][1]), p.clip);
    w0 = _mm_andnot_ps(tail0, w0);
    yx = _mm_set1_ps(y[0]);
    yy = _mm_set1_ps(y[1]);
  }
  y[0] += umap_sum_sse2(umap_move_sse2(w0, c0, _mm_sub_ps(yx, x0), p.clip),
                        umap_move_sse2(w1, c1, _mm_sub_ps(yx, x1), p.clip));
  y[1] += umap_sum_sse2(umap_move_sse2(w0, c0, _mm_sub_ps(yy, y0), p.clip),
                        umap_move_sse2(w1, c1, _mm_sub_ps(yy, y1), p.clip));
}
#endif

#if NEMBED_HAVE_AVX_TARGET
// mask ? a : b through bitwise operations: GCC 12 turns _mm256_blendv_ps with a comparison's mask
// into a per-lane branch inside a target("avx") function.
NEMBED_TARGET_AVX inline __m256 select_avx(__m256 mask, __m256 a, __m256 b) {
  return _mm256_or_ps(_mm256_and_ps(mask, a), _mm256_andnot_ps(mask, b));
}

NEMBED_TARGET_AVX inline __m256 fast_log2_avx(__m256 x) {
  const __m256 expo = _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7F800000)));
  const __m256 ex = _mm256_sub_ps(
      _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_castps_si256(expo)), _mm256_set1_ps(1.0f / 8388608.0f)),
      _mm256_set1_ps(127.0f));
  __m256 m = _mm256_or_ps(_mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x007FFFFF))),
                          _mm256_castsi256_ps(_mm256_set1_epi32(0x3F800000)));
  const __m256 high = _mm256_cmp_ps(m, _mm256_set1_ps(1.41421356f), _CMP_GT_OQ);
  m = select_avx(high, _mm256_mul_ps(_mm256_set1_ps(0.5f), m), m);
  const __m256 e = _mm256_add_ps(ex, _mm256_and_ps(high, _mm256_set1_ps(1.0f)));
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 t = _mm256_div_ps(_mm256_sub_ps(m, one), _mm256_add_ps(m, one)),
               u = _mm256_mul_ps(t, t), u2 = _mm256_mul_ps(u, u);
  const __m256 s = _mm256_mul_ps(
      t, _mm256_add_ps(_mm256_add_ps(one, _mm256_mul_ps(u, _mm256_set1_ps(1.0f / 3))),
                       _mm256_mul_ps(u2, _mm256_add_ps(_mm256_set1_ps(1.0f / 5),
                                                       _mm256_mul_ps(u, _mm256_set1_ps(1.0f / 7))))));
  return _mm256_add_ps(e, _mm256_mul_ps(_mm256_set1_ps(2.88539008f), s));
}

NEMBED_TARGET_AVX inline __m256 fast_exp2_avx(__m256 y) {
  y = _mm256_min_ps(_mm256_max_ps(y, _mm256_set1_ps(-126.0f)), _mm256_set1_ps(127.0f));
  const __m256 flb =
      _mm256_cvtepi32_ps(_mm256_cvttps_epi32(_mm256_add_ps(y, _mm256_set1_ps(127.0f))));
  const __m256 f = _mm256_mul_ps(_mm256_sub_ps(y, _mm256_sub_ps(flb, _mm256_set1_ps(127.0f))),
                                 _mm256_set1_ps(0.69314718f));
  const __m256 f2 = _mm256_mul_ps(f, f), f4 = _mm256_mul_ps(f2, f2);
  const __m256 p = _mm256_add_ps(
      _mm256_add_ps(_mm256_add_ps(_mm256_set1_ps(1.0f), f),
                    _mm256_mul_ps(f2, _mm256_add_ps(_mm256_set1_ps(0.5f),
                                                    _mm256_mul_ps(f, _mm256_set1_ps(1.0f / 6))))),
      _mm256_mul_ps(
          f4, _mm256_add_ps(
                  _mm256_add_ps(_mm256_set1_ps(1.0f / 24), _mm256_mul_ps(f, _mm256_set1_ps(1.0f / 120))),
                  _mm256_mul_ps(f2, _mm256_add_ps(_mm256_set1_ps(1.0f / 720),
                                                  _mm256_mul_ps(f, _mm256_set1_ps(1.0f / 5040)))))));
  const __m256 scale =
      _mm256_castsi256_ps(_mm256_cvtps_epi32(_mm256_mul_ps(flb, _mm256_set1_ps(8388608.0f))));
  return _mm256_mul_ps(p, scale);
}

NEMBED_TARGET_AVX inline float umap_sum_avx(__m256 l) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(l), _mm256_extractf128_ps(l, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_shuffle_ps(t, t, _MM_SHUFFLE(1, 1, 1, 1))));
}

NEMBED_TARGET_AVX inline void umap_lanes_avx(float* y, const float* const* rows, const float* wa,
                                             bool tail, const UmapLaneParams& p) {
  __m128 x0, y0, x1, y1;
  umap_gather4(rows, x0, y0);
  umap_gather4(rows + 4, x1, y1);
  const __m256 x8 = _mm256_insertf128_ps(_mm256_castps128_ps256(x0), x1, 1),
               y8 = _mm256_insertf128_ps(_mm256_castps128_ps256(y0), y1, 1);
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 dx = _mm256_sub_ps(_mm256_set1_ps(y[0]), x8),
               dy = _mm256_sub_ps(_mm256_set1_ps(y[1]), y8);
  const __m256 d2 = _mm256_add_ps(_mm256_mul_ps(dx, dx), _mm256_mul_ps(dy, dy));
  const __m256 valid = _mm256_cmp_ps(d2, _mm256_setzero_ps(), _CMP_GT_OQ);
  const __m256 d2s = select_avx(valid, d2, one);
  const __m256 pb = p.b_is_one
                        ? d2s
                        : fast_exp2_avx(_mm256_mul_ps(_mm256_set1_ps(p.b), fast_log2_avx(d2s)));
  const __m256 tailm = _mm256_castsi256_ps(_mm256_set_epi32(0, 0, 0, 0, 0, 0, 0, tail ? -1 : 0));
  const __m256 numer =
      select_avx(tailm, _mm256_mul_ps(_mm256_set1_ps(p.c_att), pb), _mm256_set1_ps(p.c_rep));
  const __m256 denom = _mm256_add_ps(d2s, _mm256_andnot_ps(tailm, _mm256_set1_ps(0.001f)));
  const __m256 coef = _mm256_div_ps(
      numer, _mm256_mul_ps(denom, _mm256_add_ps(one, _mm256_mul_ps(_mm256_set1_ps(p.a), pb))));
  __m256 w = _mm256_and_ps(valid, _mm256_loadu_ps(wa));
  if (tail) {  // the attraction first (lane 0), then the repulsions without it
    const float ct = _mm256_cvtss_f32(coef), wt = _mm256_cvtss_f32(w);
    y[0] += wt * umap_clip(ct * (y[0] - rows[0][0]), p.clip);
    y[1] += wt * umap_clip(ct * (y[1] - rows[0][1]), p.clip);
    w = _mm256_andnot_ps(tailm, w);
  }
  const __m256 lo = _mm256_set1_ps(-p.clip), hi = _mm256_set1_ps(p.clip);
  const __m256 mx = _mm256_sub_ps(_mm256_set1_ps(y[0]), x8),
               my = _mm256_sub_ps(_mm256_set1_ps(y[1]), y8);
  y[0] += umap_sum_avx(_mm256_mul_ps(w, _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(coef, mx), lo), hi)));
  y[1] += umap_sum_avx(_mm256_mul_ps(w, _mm256_min_ps(_mm256_max_ps(_mm256_mul_ps(coef, my), lo), hi)));
}

NEMBED_TARGET_AVX inline void fast_pow_avx8(const float* x, float b, float* out) {
  _mm256_storeu_ps(out, fast_exp2_avx(_mm256_mul_ps(_mm256_set1_ps(b), fast_log2_avx(_mm256_loadu_ps(x)))));
}
#endif

}  // namespace detail

// fast_pow (sgd.hpp) of eight values x > 0 on the given path: the lanes' powers (tests compare every
// path with the scalar fast_pow).
inline void fast_pow_lanes(Simd simd, const float* x, float b, float* out) {
#if NEMBED_HAVE_AVX_TARGET
  if (simd == Simd::avx) return detail::fast_pow_avx8(x, b, out);
#endif
#if defined(__SSE2__)
  if (simd != Simd::portable) {
    for (int h = 0; h < kUmapLanes; h += 4)
      _mm_storeu_ps(out + h, detail::fast_exp2_sse2(_mm_mul_ps(_mm_set1_ps(b),
                                                               detail::fast_log2_sse2(_mm_loadu_ps(x + h)))));
    return;
  }
#endif
  for (int q = 0; q < kUmapLanes; ++q) out[q] = fast_pow(x[q], b);
}

// One batch of lanes on the head y (dim coordinates; the vector paths need dim 2).
inline void umap_lanes(Simd simd, int dim, float* y, const float* const* rows, const float* wa,
                       bool tail, const UmapLaneParams& p) {
#if NEMBED_HAVE_AVX_TARGET
  if (dim == 2 && simd == Simd::avx) return detail::umap_lanes_avx(y, rows, wa, tail, p);
#endif
#if defined(__SSE2__)
  if (dim == 2 && simd != Simd::portable) return detail::umap_lanes_sse2(y, rows, wa, tail, p);
#endif
  detail::umap_lanes_portable(dim, y, rows, wa, tail, p);
}

}  // namespace nembed

#endif
