// Returning freed memory to the system before a phase that allocates a lot (glue only).
#ifndef NEMBED_HEAP_H
#define NEMBED_HEAP_H

#include <cstddef>
#include <cstdio>

#include <Rinternals.h>
#if defined(__GLIBC__)
#include <malloc.h>
#include <unistd.h>
#endif

namespace nembed {

// Collects R's garbage and hands the allocator's free pages back to the system. glibc serves
// allocations below its (adaptive, up to 32 MB) mmap threshold from the heap and keeps their
// pages after free(); the kNN search and the PCA initialisation leave hundreds of MB of such pages
// at 10^6 points (measured: 128 MB at 5 x 10^4 points, 2.6 kB per point), which the optimiser's
// large arrays, each mapped anew, cannot reuse, so they would add to the peak. Main thread only.
//
// Only when it can return something: a full collection costs time in proportion to everything R
// holds, not to what it frees (measured: 0.5 s per call with SingleCellExperiment and ggplot2
// loaded, 5.8 million cons cells, so that a 40-point embed_tsne took 1.6 s, 99% of it in the two
// collections, and the test suite spent minutes there). It is skipped while glibc's heap holds
// less than kReleaseMinFree free bytes, and, after a release that gave back less than that (the
// resident set fell by less), until the free bytes have grown by that much since.
// glibc's free bytes do not show R's garbage, though: unreferenced R vectors stay allocated until
// a collection (the PCA initialisation of 10^6 points leaves 1.27 GB of them, measured), so a
// phase that will allocate at least kReleaseAlways bytes (`upcoming`) always collects: there the
// collection's fraction of a second is small, and skipping it put that garbage under t-SNE's
// affinities at 10^6 points (peak 4.93 GB instead of 3.7).
inline constexpr std::size_t kReleaseMinFree = std::size_t(64) << 20;
inline constexpr std::size_t kReleaseAlways = std::size_t(256) << 20;

#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
// Resident bytes of the process (Linux), 0 when unknown.
inline std::size_t resident_bytes() {
  unsigned long size = 0, resident = 0;
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  const int got = std::fscanf(f, "%lu %lu", &size, &resident);
  std::fclose(f);
  return got == 2 ? static_cast<std::size_t>(resident) * static_cast<std::size_t>(sysconf(_SC_PAGESIZE)) : 0;
}

inline void release_free_memory(std::size_t upcoming = 0) {
  // The heap's free bytes after the last release that returned less than kReleaseMinFree.
  static std::size_t free_after_unpaid_release = 0;
  const std::size_t free_now = mallinfo2().fordblks;
  if (upcoming < kReleaseAlways &&
      (free_now < kReleaseMinFree || free_now < free_after_unpaid_release + kReleaseMinFree))
    return;
  const std::size_t rss_before = resident_bytes();
  R_gc();
  malloc_trim(0);
  const std::size_t rss_after = resident_bytes();
  const bool paid = rss_before == 0 || rss_after + kReleaseMinFree <= rss_before;
  free_after_unpaid_release = paid ? 0 : mallinfo2().fordblks;
}
#else
inline void release_free_memory(std::size_t = 0) {
  R_gc();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}
#endif

}  // namespace nembed

#endif
