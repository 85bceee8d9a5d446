// Which vector instructions the 2-D t-SNE loops (the attraction, tsne_kernel.hpp; the near
// field, tsne_near.hpp), UMAP's SGD lanes (umap_lanes.hpp) and the HNSW search's distances
// (sqdist.hpp) use: the portable C++ loop, SSE2 (part of every x86-64) or AVX, chosen at run time
// from what the CPU offers, so one binary built for the x86-64 baseline (CRAN's) still uses AVX
// where it exists. Each path does the same operations in the same order, lane by lane, so all give
// the same bits and a result never depends on the machine's vector width (tests compare every
// available path).
//
// Why AVX pays here: on this project's 2-vCPU benchmark machine the two threads share one
// physical core, so loops bound by instruction throughput (these two are; neither is bound by
// memory at 10,000 to 70,000 points) gain nothing from the second thread but do gain from wider
// instructions: the attraction over the 1.2 million non-zeros of a 10,000-point P takes 1.04 ms
// with AVX against 1.75 ms with SSE2 (one or two threads alike).
//
// AVX is compiled per function (GCC's and clang's target attribute), never for the whole package.
// Not on Windows: MinGW's GCC cannot align the stack to 32 bytes, so spilled AVX registers can
// fault there (GCC bug 54412).
#ifndef NEMBED_SIMD_HPP
#define NEMBED_SIMD_HPP

#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(_WIN32)
#define NEMBED_HAVE_AVX_TARGET 1
#include <cpuid.h>
#include <immintrin.h>
#define NEMBED_TARGET_AVX __attribute__((target("avx")))
#else
#define NEMBED_HAVE_AVX_TARGET 0
#endif

namespace nembed {

enum class Simd { portable = 0, sse2 = 1, avx = 2 };
inline constexpr std::pair<const char*, Simd> simd_names[] = {
    {"portable", Simd::portable}, {"sse2", Simd::sse2}, {"avx", Simd::avx}};

#if NEMBED_HAVE_AVX_TARGET
// Whether the CPU has AVX and the operating system saves its registers (CPUID leaf 1: AVX and
// OSXSAVE; XGETBV: the XMM and YMM states enabled). Asked directly rather than through
// __builtin_cpu_supports, which needs the compiler's runtime library (not every macOS toolchain
// links it).
inline bool cpu_has_avx() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  if (!(c & (1u << 27)) || !(c & (1u << 28))) return false;
  unsigned lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (lo & 6u) == 6u;
}
#endif

// The widest path this build and CPU can run (asked once).
inline Simd best_simd() {
  static const Simd best = [] {
#if NEMBED_HAVE_AVX_TARGET
    if (cpu_has_avx()) return Simd::avx;
#endif
#if defined(__SSE2__)
    return Simd::sse2;
#else
    return Simd::portable;
#endif
  }();
  return best;
}

// `want`, or the widest available path below it.
inline Simd usable_simd(Simd want) {
  const Simd best = best_simd();
  return static_cast<int>(want) < static_cast<int>(best) ? want : best;
}

}  // namespace nembed

#endif
