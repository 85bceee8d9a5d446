// The heavy-tailed t-SNE kernel of Kobak et al. (2019): w(d^2) = (1 + d^2/dof)^(-dof).
// dof = 1 is t-SNE's Cauchy kernel, dof -> infinity tends to SNE's Gaussian, dof < 1 gives heavier
// tails. With t = 1 / (1 + d^2/dof), w = t^dof, the attraction along an edge is p_ij t (y_i - y_j)
// and the repulsion needs w t = t^(dof + 1): two kernels, which is why the FFT path convolves two.
#ifndef NEMBED_TSNE_KERNEL_HPP
#define NEMBED_TSNE_KERNEL_HPP

#include <chrono>
#include <cmath>
#include <ctime>
#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/simd.hpp"

namespace nembed {

struct TsneKernel {
  double dof = 1.0;
  bool cauchy() const { return dof == 1.0; }
  double t(double d2) const { return 1.0 / (1.0 + d2 / dof); }
  // w = t^dof (the similarity, summed into Z).
  double w_from_t(double t) const { return cauchy() ? t : std::pow(t, dof); }
};

// Delta-bar-delta gain of one coordinate, as FIt-SNE and openTSNE: the gain grows by 0.2 when the
// gradient's sign differs from the previous update's, and shrinks to 0.8x otherwise, with
// sign(0) = 0. So on the first step (update 0) every coordinate with a non-zero gradient gets
// gain 1.2, and a zero gradient only ever counts as "same sign" as a zero update. Floor 0.01
// (FIt-SNE's clamp; openTSNE adds 0.01 after the shrink instead).
inline double delta_bar_delta_gain(double gain, double grad, double update) {
  const int sg = (grad > 0) - (grad < 0), su = (update > 0) - (update < 0);
  gain = sg != su ? gain + 0.2 : gain * 0.8;
  return gain < 0.01 ? 0.01 : gain;
}

// One gradient-descent step of one point (t-SNE and its transform): delta-bar-delta gains,
// momentum, then the step clipped to norm max_step (0: no clipping). Updates gains, update and y.
template <int D>
inline void gain_momentum_step(const double* grad, double momentum, double learning_rate,
                               double max_step, double* gains, double* update, double* y) {
  double upd[D], nrm2 = 0.0;
  for (int c = 0; c < D; ++c) {
    gains[c] = delta_bar_delta_gain(gains[c], grad[c], update[c]);
    upd[c] = momentum * update[c] - learning_rate * gains[c] * grad[c];
    nrm2 += upd[c] * upd[c];
  }
  if (max_step > 0 && nrm2 > max_step * max_step) {
    const double s = max_step / std::sqrt(nrm2);
    for (int c = 0; c < D; ++c) upd[c] *= s;
  }
  for (int c = 0; c < D; ++c) {
    update[c] = upd[c];
    y[c] += upd[c];
  }
}

// One repulsive interaction of y_i with y_j (a point, or a cell's centre of mass standing for
// `weight` points): z += weight * w, f += weight * w * t * (y_i - y_j). Shared by the exact sum and
// Barnes-Hut so that both evaluate the kernel in the same way.
template <int D>
inline void add_repulsion(const TsneKernel& kern, const double* yi, const double* yj,
                          double weight, double& z, double* f) {
  double diff[D], d2 = 0.0;
  for (int c = 0; c < D; ++c) {
    diff[c] = yi[c] - yj[c];
    d2 += diff[c] * diff[c];
  }
  const double t = kern.t(d2), w = kern.w_from_t(t) * weight;
  z += w;
  for (int c = 0; c < D; ++c) f[c] += w * t * diff[c];
}

// The attraction of one point of a 2-D layout over the non-zeros q0 .. q1 of its row of P. Each
// non-zero e adds p t (y_i - y_j) with t = 1 / (1 + d^2 / dof), and with kKL p log w to acc. The
// non-zeros go four at a time through four lanes (e = q0 + 4 s + l into lane l), each lane with its
// own sums, which are added at the end ((0 + 1) + (2 + 3)), then the 0-3 left over one by one; the
// logs in the order of the non-zeros. Four lanes are what one AVX instruction holds (simd.hpp);
// SSE2 runs them as two pairs and the portable loop one by one, in the same order, so every path
// gives the same bits (a test compares them through tsne_gradient_cpp's simd option). The pass is
// bound by instruction throughput, not by memory (bench/results/tsne-breakdown.md).
namespace detail {

template <bool kKL, bool kCauchy>
inline void attract_edge_2d(const double* Y, const double* yi, const int* idx, const float* val,
                            std::size_t e, const TsneKernel& kern, double& fx, double& fy,
                            double& acc) {
  const double* yj = Y + 2 * static_cast<std::size_t>(idx[e]);
  const double dx = yi[0] - yj[0], dy = yi[1] - yj[1];
  const double d2 = dx * dx + dy * dy;
  const double t = 1.0 / (1.0 + (kCauchy ? d2 : d2 / kern.dof));
  const double pt = static_cast<double>(val[e]) * t;
  fx += pt * dx;
  fy += pt * dy;
  if (kKL) acc += static_cast<double>(val[e]) * std::log(kCauchy ? t : kern.w_from_t(t));
}

// The four-lane part of the row: sums into lx, ly (four lanes each); returns the first non-zero
// left over.
template <bool kKL, bool kCauchy>
inline std::size_t attract_lanes_portable(const double* Y, const double* yi, const int* idx,
                                          const float* val, std::size_t q, std::size_t q1,
                                          const TsneKernel& kern, double* lx, double* ly,
                                          double& acc) {
  for (; q + 3 < q1; q += 4)
    for (int l = 0; l < 4; ++l)
      attract_edge_2d<kKL, kCauchy>(Y, yi, idx, val, q + l, kern, lx[l], ly[l], acc);
  return q;
}

// The logs of four non-zeros' w, in their order (kKL only; every 50 iterations or so).
template <bool kCauchy>
inline void add_plogw4(const float* val, std::size_t q, const double* t, const TsneKernel& kern,
                       double& acc) {
  for (int l = 0; l < 4; ++l)
    acc += static_cast<double>(val[q + l]) * std::log(kCauchy ? t[l] : kern.w_from_t(t[l]));
}

#if defined(__SSE2__)
template <bool kKL, bool kCauchy>
inline std::size_t attract_lanes_sse2(const double* Y, const double* yi, const int* idx,
                                      const float* val, std::size_t q, std::size_t q1,
                                      const TsneKernel& kern, double* lx, double* ly,
                                      double& acc) {
  const __m128d xi = _mm_set1_pd(yi[0]), yi2 = _mm_set1_pd(yi[1]), one = _mm_set1_pd(1.0),
                dof = _mm_set1_pd(kern.dof);
  __m128d ax[2] = {_mm_setzero_pd(), _mm_setzero_pd()}, ay[2] = {_mm_setzero_pd(), _mm_setzero_pd()};
  for (; q + 3 < q1; q += 4) {
    double tt[4];
    for (int h = 0; h < 2; ++h) {  // lanes 2h, 2h + 1
      const std::size_t e = q + 2 * h;
      const __m128d pa = _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[e])),
                    pb = _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[e + 1]));
      const __m128d dx = _mm_sub_pd(xi, _mm_unpacklo_pd(pa, pb)),
                    dy = _mm_sub_pd(yi2, _mm_unpackhi_pd(pa, pb));
      const __m128d d2 = _mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy));
      const __m128d t = _mm_div_pd(one, _mm_add_pd(one, kCauchy ? d2 : _mm_div_pd(d2, dof)));
      const __m128d p = _mm_set_pd(static_cast<double>(val[e + 1]), static_cast<double>(val[e]));
      const __m128d pt = _mm_mul_pd(p, t);
      ax[h] = _mm_add_pd(ax[h], _mm_mul_pd(pt, dx));
      ay[h] = _mm_add_pd(ay[h], _mm_mul_pd(pt, dy));
      if (kKL) _mm_storeu_pd(tt + 2 * h, t);
    }
    if (kKL) add_plogw4<kCauchy>(val, q, tt, kern, acc);
  }
  for (int h = 0; h < 2; ++h) {
    _mm_storeu_pd(lx + 2 * h, ax[h]);
    _mm_storeu_pd(ly + 2 * h, ay[h]);
  }
  return q;
}
#endif

#if NEMBED_HAVE_AVX_TARGET
template <bool kKL, bool kCauchy>
NEMBED_TARGET_AVX inline std::size_t attract_lanes_avx(const double* Y, const double* yi,
                                                       const int* idx, const float* val,
                                                       std::size_t q, std::size_t q1,
                                                       const TsneKernel& kern, double* lx,
                                                       double* ly, double& acc) {
  const __m256d xi = _mm256_set1_pd(yi[0]), yi2 = _mm256_set1_pd(yi[1]), one = _mm256_set1_pd(1.0),
                dof = _mm256_set1_pd(kern.dof);
  __m256d ax = _mm256_setzero_pd(), ay = _mm256_setzero_pd();
  for (; q + 3 < q1; q += 4) {
    // (x, y) of the non-zeros 0 and 2 in ac, 1 and 3 in bd; unpacking gives x0 x1 x2 x3, y0 .. y3.
    const __m256d ac = _mm256_insertf128_pd(
        _mm256_castpd128_pd256(_mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q]))),
        _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q + 2])), 1);
    const __m256d bd = _mm256_insertf128_pd(
        _mm256_castpd128_pd256(_mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q + 1]))),
        _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q + 3])), 1);
    const __m256d dx = _mm256_sub_pd(xi, _mm256_unpacklo_pd(ac, bd)),
                  dy = _mm256_sub_pd(yi2, _mm256_unpackhi_pd(ac, bd));
    const __m256d d2 = _mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy));
    const __m256d t =
        _mm256_div_pd(one, _mm256_add_pd(one, kCauchy ? d2 : _mm256_div_pd(d2, dof)));
    const __m256d pt = _mm256_mul_pd(_mm256_cvtps_pd(_mm_loadu_ps(val + q)), t);
    ax = _mm256_add_pd(ax, _mm256_mul_pd(pt, dx));
    ay = _mm256_add_pd(ay, _mm256_mul_pd(pt, dy));
    if (kKL) {
      double tt[4];
      _mm256_storeu_pd(tt, t);
      add_plogw4<kCauchy>(val, q, tt, kern, acc);
    }
  }
  _mm256_storeu_pd(lx, ax);
  _mm256_storeu_pd(ly, ay);
  return q;
}
#endif

}  // namespace detail

template <bool kKL, bool kCauchy, Simd kSimd>
inline void attract_row_2d(const double* Y, const double* yi, const int* idx, const float* val,
                           std::size_t q0, std::size_t q1, const TsneKernel& kern, double* f,
                           double& acc) {
  double lx[4] = {0.0, 0.0, 0.0, 0.0}, ly[4] = {0.0, 0.0, 0.0, 0.0};
  std::size_t q = q0;
#if NEMBED_HAVE_AVX_TARGET
  if constexpr (kSimd == Simd::avx)
    q = detail::attract_lanes_avx<kKL, kCauchy>(Y, yi, idx, val, q, q1, kern, lx, ly, acc);
  else
#endif
#if defined(__SSE2__)
  if constexpr (kSimd != Simd::portable)
    q = detail::attract_lanes_sse2<kKL, kCauchy>(Y, yi, idx, val, q, q1, kern, lx, ly, acc);
  else
#endif
    q = detail::attract_lanes_portable<kKL, kCauchy>(Y, yi, idx, val, q, q1, kern, lx, ly, acc);
  double sx = (lx[0] + lx[1]) + (lx[2] + lx[3]), sy = (ly[0] + ly[1]) + (ly[2] + ly[3]);
  for (; q < q1; ++q) detail::attract_edge_2d<kKL, kCauchy>(Y, yi, idx, val, q, kern, sx, sy, acc);
  f[0] += sx;
  f[1] += sy;
}

// Optional wall-clock time per phase of the t-SNE iterations (bench/tsne-breakdown.R). Off by
// default, when a lap costs one test of a flag. lap(p) books the time since the previous lap (or
// start()) to phase p.
// grid: the FFT grid's fit and, on a new grid, its buffers, plans and kernel spectra.
enum class TsnePhase { attraction, repulsion, grid, locate, spread, fft, gather, near, forces, update, other };
constexpr int kTsnePhases = 11;
inline const char* tsne_phase_name(int p) {
  static const char* names[kTsnePhases] = {"attraction", "repulsion", "grid", "locate", "spread",
                                           "fft", "gather", "near", "forces", "update", "other"};
  return names[p];
}

// cpu_seconds is the process's CPU time (all threads), which a loaded machine inflates less than
// wall time.
struct TsnePhaseTimes {
  using clock = std::chrono::steady_clock;
  bool on = false;
  double seconds[kTsnePhases] = {};
  double cpu_seconds[kTsnePhases] = {};
  int iterations = 0;
  clock::time_point last;
  std::clock_t last_cpu = 0;
  void start() {
    if (!on) return;
    last = clock::now();
    last_cpu = std::clock();
  }
  void lap(TsnePhase p) {
    if (!on) return;
    const clock::time_point t = clock::now();
    const std::clock_t c = std::clock();
    seconds[static_cast<int>(p)] += std::chrono::duration<double>(t - last).count();
    cpu_seconds[static_cast<int>(p)] += static_cast<double>(c - last_cpu) / CLOCKS_PER_SEC;
    last = t;
    last_cpu = c;
  }
};

// Result of a repulsion pass: unnormalised repulsive forces sum_j w_ij t_ij (y_i - y_j) (row-major
// n x D) and Z = sum_{i != j} w_ij.
struct Repulsion {
  std::vector<double> force;
  double Z = 0.0;
};

}  // namespace nembed

#endif
