// The near field of the FFT repulsion's near/far split (2-D; tsne_fft.hpp): the t-SNE repulsion
// of pairs closer than a radius R, weighted by S(r), summed directly. The grid then only needs
// the far part K (1 - S), which is smooth on the scale of R and can be interpolated on boxes
// about R / 2 wide instead of 0.8.
#ifndef NEMBED_TSNE_NEAR_HPP
#define NEMBED_TSNE_NEAR_HPP

#include <algorithm>
#include <cstddef>

#include "nembed/simd.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

// The near field's weight S(x) at x = r^2 / R^2: 1 - x^4 (35 - 84 x + 70 x^2 - 20 x^3) for
// x < 1 (the septic smoothstep in x, turned over), 0 beyond. S = 1 at 0 and close to 1 up to
// about R / 2; S and its first three derivatives in x vanish at R, so the far kernel K (1 - S) is
// smooth, and it vanishes to eighth order in r at 0. The polynomial is exactly 0 at x = 1, so
// near_weight_poly(min(x, 1)) needs no branch.
inline double near_weight_poly(double x) {
  const double x2 = x * x;
  return 1.0 - x2 * x2 * (35.0 + x * (-84.0 + x * (70.0 - 20.0 * x)));
}
inline double near_weight(double x) { return near_weight_poly(std::min(x, 1.0)); }

// A run of candidates [j0, j1) in a sorted array of points (x, y interleaved).
struct NearRun {
  int j0, j1;
};

// Near-field sums of the point (xi, yi) over the candidates in runs[0..n_runs) of ys: adds
// sum_j S K1 (y_i - y_j) to f[0..2) and returns sum_j S K2 (with j = i itself, which adds 1 and no
// force). Candidates beyond the radius weigh exactly 0. The candidates of each run go four at a
// time through four lanes with their own sums, the 0-3 left over one by one into a fifth; the
// sums are added at the end, lanes first ((0 + 1) + (2 + 3)). With dof = 1, the AVX path (four
// lanes per instruction), SSE2's (two pairs) and the portable one do the same operations in the
// same order, so they give the same bits (tests compare them); other dof take the portable loop
// (a pow() per pair).
namespace detail {

template <bool kCauchy>
inline void near_pair_2d(const double* ys, int j, double xi, double yi, const TsneKernel& kern,
                         double inv_r2, double& z, double& fx, double& fy) {
  const double dx = xi - ys[2 * j], dy = yi - ys[2 * j + 1];
  const double d2 = dx * dx + dy * dy;
  const double t = 1.0 / (1.0 + (kCauchy ? d2 : d2 / kern.dof));
  const double wz = (kCauchy ? t : kern.w_from_t(t)) * near_weight_poly(std::min(d2 * inv_r2, 1.0));
  const double wt = wz * t;
  z += wz;
  fx += wt * dx;
  fy += wt * dy;
}

// The lanes of a run [j, j1) (lz, lx, ly: four each); returns the first candidate left over.
template <bool kCauchy>
inline int near_lanes_portable(const double* ys, int j, int j1, double xi, double yi,
                               const TsneKernel& kern, double inv_r2, double* lz, double* lx,
                               double* ly) {
  for (; j + 3 < j1; j += 4)
    for (int l = 0; l < 4; ++l)
      near_pair_2d<kCauchy>(ys, j + l, xi, yi, kern, inv_r2, lz[l], lx[l], ly[l]);
  return j;
}

#if defined(__SSE2__)
// dof = 1 only.
inline int near_lanes_sse2(const double* ys, int j, int j1, double xi, double yi, double inv_r2,
                           double* lz, double* lx, double* ly) {
  if (j + 3 >= j1) return j;
  const __m128d vx = _mm_set1_pd(xi), vy = _mm_set1_pd(yi), one = _mm_set1_pd(1.0),
                vinv = _mm_set1_pd(inv_r2), c35 = _mm_set1_pd(35.0), c84 = _mm_set1_pd(-84.0),
                c70 = _mm_set1_pd(70.0), c20 = _mm_set1_pd(20.0);
  __m128d az[2], ax[2], ay[2];
  for (int h = 0; h < 2; ++h) {
    az[h] = _mm_loadu_pd(lz + 2 * h);
    ax[h] = _mm_loadu_pd(lx + 2 * h);
    ay[h] = _mm_loadu_pd(ly + 2 * h);
  }
  for (; j + 3 < j1; j += 4)
    for (int h = 0; h < 2; ++h) {  // lanes 2h, 2h + 1
      const double* p = ys + 2 * static_cast<std::size_t>(j + 2 * h);
      const __m128d pa = _mm_loadu_pd(p), pb = _mm_loadu_pd(p + 2);
      const __m128d dx = _mm_sub_pd(vx, _mm_unpacklo_pd(pa, pb)),
                    dy = _mm_sub_pd(vy, _mm_unpackhi_pd(pa, pb));
      const __m128d d2 = _mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy));
      const __m128d t = _mm_div_pd(one, _mm_add_pd(one, d2));
      const __m128d x = _mm_min_pd(_mm_mul_pd(d2, vinv), one), x2 = _mm_mul_pd(x, x);
      // 35 + x (-84 + x (70 - 20 x)), as near_weight_poly.
      const __m128d poly = _mm_add_pd(
          c35, _mm_mul_pd(x, _mm_add_pd(c84, _mm_mul_pd(x, _mm_sub_pd(c70, _mm_mul_pd(c20, x))))));
      const __m128d wz = _mm_mul_pd(t, _mm_sub_pd(one, _mm_mul_pd(_mm_mul_pd(x2, x2), poly)));
      const __m128d wt = _mm_mul_pd(wz, t);
      az[h] = _mm_add_pd(az[h], wz);
      ax[h] = _mm_add_pd(ax[h], _mm_mul_pd(wt, dx));
      ay[h] = _mm_add_pd(ay[h], _mm_mul_pd(wt, dy));
    }
  for (int h = 0; h < 2; ++h) {
    _mm_storeu_pd(lz + 2 * h, az[h]);
    _mm_storeu_pd(lx + 2 * h, ax[h]);
    _mm_storeu_pd(ly + 2 * h, ay[h]);
  }
  return j;
}
#endif

#if NEMBED_HAVE_AVX_TARGET
// dof = 1 only.
NEMBED_TARGET_AVX inline int near_lanes_avx(const double* ys, int j, int j1, double xi, double yi,
                                            double inv_r2, double* lz, double* lx, double* ly) {
  if (j + 3 >= j1) return j;
  const __m256d vx = _mm256_set1_pd(xi), vy = _mm256_set1_pd(yi), one = _mm256_set1_pd(1.0),
                vinv = _mm256_set1_pd(inv_r2), c35 = _mm256_set1_pd(35.0),
                c84 = _mm256_set1_pd(-84.0), c70 = _mm256_set1_pd(70.0),
                c20 = _mm256_set1_pd(20.0);
  __m256d az = _mm256_loadu_pd(lz), ax = _mm256_loadu_pd(lx), ay = _mm256_loadu_pd(ly);
  for (; j + 3 < j1; j += 4) {
    // (x, y) of candidates 0 and 2 in ac, 1 and 3 in bd: unpacking gives x0 x1 x2 x3, y0 .. y3.
    const double* p = ys + 2 * static_cast<std::size_t>(j);
    const __m256d ac = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p)),
                                            _mm_loadu_pd(p + 4), 1);
    const __m256d bd = _mm256_insertf128_pd(_mm256_castpd128_pd256(_mm_loadu_pd(p + 2)),
                                            _mm_loadu_pd(p + 6), 1);
    const __m256d dx = _mm256_sub_pd(vx, _mm256_unpacklo_pd(ac, bd)),
                  dy = _mm256_sub_pd(vy, _mm256_unpackhi_pd(ac, bd));
    const __m256d d2 = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
    const __m256d t = _mm256_div_pd(one, _mm256_add_pd(one, d2));
    const __m256d x = _mm256_min_pd(_mm256_mul_pd(d2, vinv), one), x2 = _mm256_mul_pd(x, x);
    const __m256d poly = _mm256_add_pd(
        c35, _mm256_mul_pd(x, _mm256_add_pd(c84, _mm256_mul_pd(x, _mm256_sub_pd(c70, _mm256_mul_pd(c20, x))))));
    const __m256d wz =
        _mm256_mul_pd(t, _mm256_sub_pd(one, _mm256_mul_pd(_mm256_mul_pd(x2, x2), poly)));
    const __m256d wt = _mm256_mul_pd(wz, t);
    az = _mm256_add_pd(az, wz);
    ax = _mm256_add_pd(ax, _mm256_mul_pd(wt, dx));
    ay = _mm256_add_pd(ay, _mm256_mul_pd(wt, dy));
  }
  _mm256_storeu_pd(lz, az);
  _mm256_storeu_pd(lx, ax);
  _mm256_storeu_pd(ly, ay);
  return j;
}
#endif

}  // namespace detail

template <bool kCauchy, Simd kSimd>
inline double near_point_2d(const double* ys, const NearRun* runs, int n_runs, double xi,
                            double yi, const TsneKernel& kern, double inv_r2, double* f) {
  double lz[4] = {0.0, 0.0, 0.0, 0.0}, lx[4] = {0.0, 0.0, 0.0, 0.0}, ly[4] = {0.0, 0.0, 0.0, 0.0};
  double tz = 0.0, tx = 0.0, ty = 0.0;
  for (int r = 0; r < n_runs; ++r) {
    int j = runs[r].j0;
    const int j1 = runs[r].j1;
#if NEMBED_HAVE_AVX_TARGET
    if constexpr (kCauchy && kSimd == Simd::avx)
      j = detail::near_lanes_avx(ys, j, j1, xi, yi, inv_r2, lz, lx, ly);
    else
#endif
#if defined(__SSE2__)
    if constexpr (kCauchy && kSimd != Simd::portable)
      j = detail::near_lanes_sse2(ys, j, j1, xi, yi, inv_r2, lz, lx, ly);
    else
#endif
      j = detail::near_lanes_portable<kCauchy>(ys, j, j1, xi, yi, kern, inv_r2, lz, lx, ly);
    for (; j < j1; ++j) detail::near_pair_2d<kCauchy>(ys, j, xi, yi, kern, inv_r2, tz, tx, ty);
  }
  f[0] += ((lx[0] + lx[1]) + (lx[2] + lx[3])) + tx;
  f[1] += ((ly[0] + ly[1]) + (ly[2] + ly[3])) + ty;
  return ((lz[0] + lz[1]) + (lz[2] + lz[3])) + tz;
}

}  // namespace nembed

#endif
