// The near field of the FFT repulsion's near/far split (2-D; tsne_fft.hpp): the t-SNE repulsion
// of pairs closer than a radius R, weighted by S(r), summed directly. The grid then only needs
// the far part K (1 - S), which is smooth on the scale of R and can be interpolated on boxes
// about R / 2 wide instead of 0.8.
#ifndef NEMBED_TSNE_NEAR_HPP
#define NEMBED_TSNE_NEAR_HPP

#include <algorithm>
#include <cstddef>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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
// force). Candidates beyond the radius weigh exactly 0. The candidates of each run go two at a time
// through two lanes with their own sums, the odd one out into a third; the sums are added at the
// end, lanes first. The SSE2 path (dof = 1 only) and the portable one do the same operations in
// the same order, so they give the same bits (tests compare them).
template <bool kCauchy, bool kPortable = false>
inline double near_point_2d(const double* ys, const NearRun* runs, int n_runs, double xi,
                            double yi, const TsneKernel& kern, double inv_r2, double* f) {
  double lz[2] = {0.0, 0.0}, lx[2] = {0.0, 0.0}, ly[2] = {0.0, 0.0};
  double tz = 0.0, tx = 0.0, ty = 0.0;
  auto add_pair = [&](int j, double& z, double& fx, double& fy) {
    const double dx = xi - ys[2 * j], dy = yi - ys[2 * j + 1];
    const double d2 = dx * dx + dy * dy;
    const double t = 1.0 / (1.0 + (kCauchy ? d2 : d2 / kern.dof));
    const double wz = (kCauchy ? t : kern.w_from_t(t)) * near_weight_poly(std::min(d2 * inv_r2, 1.0));
    const double wt = wz * t;
    z += wz;
    fx += wt * dx;
    fy += wt * dy;
  };
#if defined(__SSE2__)
  if constexpr (kCauchy && !kPortable) {
    const __m128d vx = _mm_set1_pd(xi), vy = _mm_set1_pd(yi), one = _mm_set1_pd(1.0),
                  vinv = _mm_set1_pd(inv_r2), c35 = _mm_set1_pd(35.0), c84 = _mm_set1_pd(-84.0),
                  c70 = _mm_set1_pd(70.0), c20 = _mm_set1_pd(20.0);
    __m128d az = _mm_setzero_pd(), ax = _mm_setzero_pd(), ay = _mm_setzero_pd();
    for (int r = 0; r < n_runs; ++r) {
      int j = runs[r].j0;
      const int j1 = runs[r].j1;
      for (; j + 1 < j1; j += 2) {
        const __m128d pa = _mm_loadu_pd(ys + 2 * static_cast<std::size_t>(j)),
                      pb = _mm_loadu_pd(ys + 2 * static_cast<std::size_t>(j) + 2);
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
        az = _mm_add_pd(az, wz);
        ax = _mm_add_pd(ax, _mm_mul_pd(wt, dx));
        ay = _mm_add_pd(ay, _mm_mul_pd(wt, dy));
      }
      if (j < j1) add_pair(j, tz, tx, ty);
    }
    _mm_storeu_pd(lz, az);
    _mm_storeu_pd(lx, ax);
    _mm_storeu_pd(ly, ay);
  } else
#endif
  {
    for (int r = 0; r < n_runs; ++r) {
      int j = runs[r].j0;
      const int j1 = runs[r].j1;
      for (; j + 1 < j1; j += 2)
        for (int l = 0; l < 2; ++l) add_pair(j + l, lz[l], lx[l], ly[l]);
      if (j < j1) add_pair(j, tz, tx, ty);
    }
  }
  f[0] += (lx[0] + lx[1]) + tx;
  f[1] += (ly[0] + ly[1]) + ty;
  return (lz[0] + lz[1]) + tz;
}

}  // namespace nembed

#endif
