// Squared Euclidean distances between two vectors, for the HNSW kNN search (hnsw.hpp): in float
// for the index (hnswlib's space interface), in double for re-ranking its hits. Each sums the
// elements in lanes (element e into lane e mod W, W = 8 floats or 4 doubles: one AVX register),
// adds the lanes pairwise ((0 + 1) + (2 + 3), ...) and then the 0 to W - 1 elements left over one
// by one. The AVX path, SSE2's (two registers per AVX one) and the portable loop do the same
// operations in the same order, so they give the same bits (simd.hpp: the path is chosen at run
// time; tests compare them). hnswlib's own SSE distance would change with its compile-time
// choice of instructions, and at 50 dimensions it was 40% of a 70,000-point HNSW kNN graph's
// time (perf), its double re-ranking another 7%.
#ifndef NEMBED_SQDIST_HPP
#define NEMBED_SQDIST_HPP

#include <cstddef>

#include "nembed/simd.hpp"

namespace nembed {
namespace detail {

// The W lanes' sum, pairwise ((0 + 1) + (2 + 3), then + ((4 + 5) + (6 + 7)) for W = 8), then the
// elements e..dim-1 one by one: the one ending of every path.
template <int W, class T>
inline T sqdist_finish(const T* l, const T* a, const T* b, std::size_t e, std::size_t dim) {
  T s = (l[0] + l[1]) + (l[2] + l[3]);
  if constexpr (W == 8) s = s + ((l[4] + l[5]) + (l[6] + l[7]));
  for (; e < dim; ++e) {
    const T t = a[e] - b[e];
    s += t * t;
  }
  return s;
}

template <int W, class T>
inline T sqdist_portable(const T* a, const T* b, std::size_t dim) {
  T l[W] = {};
  std::size_t e = 0;
  for (; e + W <= dim; e += W)
    for (int j = 0; j < W; ++j) {
      const T t = a[e + j] - b[e + j];
      l[j] += t * t;
    }
  return sqdist_finish<W>(l, a, b, e, dim);
}
inline float sqdist_f32_portable(const float* a, const float* b, std::size_t dim) {
  return sqdist_portable<8>(a, b, dim);
}
inline double sqdist_f64_portable(const double* a, const double* b, std::size_t dim) {
  return sqdist_portable<4>(a, b, dim);
}

#if defined(__SSE2__)
inline float sqdist_f32_sse2(const float* a, const float* b, std::size_t dim) {
  __m128 acc[2] = {_mm_setzero_ps(), _mm_setzero_ps()};
  std::size_t e = 0;
  for (; e + 8 <= dim; e += 8)
    for (int h = 0; h < 2; ++h) {
      const __m128 t = _mm_sub_ps(_mm_loadu_ps(a + e + 4 * h), _mm_loadu_ps(b + e + 4 * h));
      acc[h] = _mm_add_ps(acc[h], _mm_mul_ps(t, t));
    }
  float l[8];
  _mm_storeu_ps(l, acc[0]);
  _mm_storeu_ps(l + 4, acc[1]);
  return sqdist_finish<8>(l, a, b, e, dim);
}

inline double sqdist_f64_sse2(const double* a, const double* b, std::size_t dim) {
  __m128d acc[2] = {_mm_setzero_pd(), _mm_setzero_pd()};
  std::size_t e = 0;
  for (; e + 4 <= dim; e += 4)
    for (int h = 0; h < 2; ++h) {
      const __m128d t = _mm_sub_pd(_mm_loadu_pd(a + e + 2 * h), _mm_loadu_pd(b + e + 2 * h));
      acc[h] = _mm_add_pd(acc[h], _mm_mul_pd(t, t));
    }
  double l[4];
  _mm_storeu_pd(l, acc[0]);
  _mm_storeu_pd(l + 2, acc[1]);
  return sqdist_finish<4>(l, a, b, e, dim);
}
#endif

#if NEMBED_HAVE_AVX_TARGET
NEMBED_TARGET_AVX inline float sqdist_f32_avx(const float* a, const float* b, std::size_t dim) {
  __m256 acc = _mm256_setzero_ps();
  std::size_t e = 0;
  for (; e + 8 <= dim; e += 8) {
    const __m256 t = _mm256_sub_ps(_mm256_loadu_ps(a + e), _mm256_loadu_ps(b + e));
    acc = _mm256_add_ps(acc, _mm256_mul_ps(t, t));
  }
  float l[8];
  _mm256_storeu_ps(l, acc);
  return sqdist_finish<8>(l, a, b, e, dim);
}

NEMBED_TARGET_AVX inline double sqdist_f64_avx(const double* a, const double* b, std::size_t dim) {
  __m256d acc = _mm256_setzero_pd();
  std::size_t e = 0;
  for (; e + 4 <= dim; e += 4) {
    const __m256d t = _mm256_sub_pd(_mm256_loadu_pd(a + e), _mm256_loadu_pd(b + e));
    acc = _mm256_add_pd(acc, _mm256_mul_pd(t, t));
  }
  double l[4];
  _mm256_storeu_pd(l, acc);
  return sqdist_finish<4>(l, a, b, e, dim);
}
#endif

}  // namespace detail

using SqdistF32 = float (*)(const float*, const float*, std::size_t);
using SqdistF64 = double (*)(const double*, const double*, std::size_t);

// The functions of the path `simd` (at most what the CPU has: pass usable_simd(...)).
inline SqdistF32 sqdist_f32(Simd simd) {
#if NEMBED_HAVE_AVX_TARGET
  if (simd == Simd::avx) return detail::sqdist_f32_avx;
#endif
#if defined(__SSE2__)
  if (simd != Simd::portable) return detail::sqdist_f32_sse2;
#endif
  return detail::sqdist_f32_portable;
}
inline SqdistF64 sqdist_f64(Simd simd) {
#if NEMBED_HAVE_AVX_TARGET
  if (simd == Simd::avx) return detail::sqdist_f64_avx;
#endif
#if defined(__SSE2__)
  if (simd != Simd::portable) return detail::sqdist_f64_sse2;
#endif
  return detail::sqdist_f64_portable;
}

}  // namespace nembed

#endif
