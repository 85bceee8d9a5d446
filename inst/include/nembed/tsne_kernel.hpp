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

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "nembed/parallel.hpp"

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

// The attraction sum_j p_ij t_ij (y_i - y_j) of one point of a 2-D layout over its non-zeros
// q0 .. q1 of P, added to f; with kKL also acc += sum_j p_ij log w_ij. The non-zeros go two at a
// time through two lanes (even and odd positions), each lane with its own sums, which are added
// at the end, then the odd one out: the pass is bound by the division and one chain of additions
// per coordinate, and two lanes halve both (2.2x faster at 70,000 points). The SSE2 path and
// the portable one (kPortable, or without SSE2) do the same operations in the same order, so
// they give the same bits (a test compares them through tsne_gradient_cpp's portable_attraction).
template <bool kKL, bool kCauchy, bool kPortable = false>
inline void attract_row_2d(const double* Y, const double* yi, const int* idx, const float* val,
                           std::size_t q0, std::size_t q1, const TsneKernel& kern, double* f,
                           double& acc) {
  // Non-zero e into the sums (fx, fy): the portable lanes, and the odd one out on both paths.
  auto add_edge = [&](std::size_t e, double& fx, double& fy) {
    const double* yj = Y + 2 * static_cast<std::size_t>(idx[e]);
    const double dx = yi[0] - yj[0], dy = yi[1] - yj[1];
    const double d2 = dx * dx + dy * dy;
    const double t = 1.0 / (1.0 + (kCauchy ? d2 : d2 / kern.dof));
    const double pt = static_cast<double>(val[e]) * t;
    fx += pt * dx;
    fy += pt * dy;
    if (kKL) acc += static_cast<double>(val[e]) * std::log(kCauchy ? t : kern.w_from_t(t));
  };
  std::size_t q = q0;
  double sx = 0.0, sy = 0.0;
#if defined(__SSE2__)
  if constexpr (!kPortable) {
    const __m128d xi = _mm_set1_pd(yi[0]), yi2 = _mm_set1_pd(yi[1]), one = _mm_set1_pd(1.0),
                  dof = _mm_set1_pd(kern.dof);
    __m128d ax = _mm_setzero_pd(), ay = _mm_setzero_pd();
    for (; q + 1 < q1; q += 2) {
      const __m128d pa = _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q])),
                    pb = _mm_loadu_pd(Y + 2 * static_cast<std::size_t>(idx[q + 1]));
      const __m128d dx = _mm_sub_pd(xi, _mm_unpacklo_pd(pa, pb)),
                    dy = _mm_sub_pd(yi2, _mm_unpackhi_pd(pa, pb));
      const __m128d d2 = _mm_add_pd(_mm_mul_pd(dx, dx), _mm_mul_pd(dy, dy));
      const __m128d t = _mm_div_pd(one, _mm_add_pd(one, kCauchy ? d2 : _mm_div_pd(d2, dof)));
      const __m128d p = _mm_set_pd(static_cast<double>(val[q + 1]), static_cast<double>(val[q]));
      const __m128d pt = _mm_mul_pd(p, t);
      ax = _mm_add_pd(ax, _mm_mul_pd(pt, dx));
      ay = _mm_add_pd(ay, _mm_mul_pd(pt, dy));
      if (kKL) {
        double tt[2];
        _mm_storeu_pd(tt, t);
        for (int l = 0; l < 2; ++l)
          acc += static_cast<double>(val[q + l]) * std::log(kCauchy ? tt[l] : kern.w_from_t(tt[l]));
      }
    }
    double lx[2], ly[2];
    _mm_storeu_pd(lx, ax);
    _mm_storeu_pd(ly, ay);
    sx = lx[0] + lx[1];
    sy = ly[0] + ly[1];
  } else
#endif
  {
    double ax[2] = {0.0, 0.0}, ay[2] = {0.0, 0.0};
    for (; q + 1 < q1; q += 2)
      for (int l = 0; l < 2; ++l) add_edge(q + l, ax[l], ay[l]);
    sx = ax[0] + ax[1];
    sy = ay[0] + ay[1];
  }
  if (q < q1) add_edge(q, sx, sy);
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
