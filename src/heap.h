// Returning freed memory to the system before a phase that allocates a lot (glue only).
#ifndef NEMBED_HEAP_H
#define NEMBED_HEAP_H

#include <cstddef>

#include <Rinternals.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace nembed {

// Collects R's garbage and hands the allocator's free pages back to the system. glibc serves
// allocations below its (adaptive, up to 32 MB) mmap threshold from the heap and keeps their
// pages after free(); the kNN search and the PCA initialisation leave hundreds of MB of such pages
// at 10^6 points (measured: 128 MB at 5 x 10^4 points, 2.6 kB per point), which the optimiser's
// large arrays, each mapped anew, cannot reuse, so they would add to the peak. Main thread only.
//
// Only when there is something worth returning: a full collection costs time in proportion to
// everything R holds, not to what it frees (measured: 0.5 s per call with SingleCellExperiment
// and ggplot2 loaded, 5.8 million cons cells, so that a 40-point embed_tsne took 1.6 s, 99% of it
// in the two collections, and the test suite spent minutes there). Below kReleaseMinFree bytes
// free in the heap (reached from about 25,000 points at 2.6 kB per point) the peak could grow by
// at most that much, which the collection would not pay for.
inline constexpr std::size_t kReleaseMinFree = std::size_t(64) << 20;

inline void release_free_memory() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || __GLIBC_MINOR__ >= 33)
  if (mallinfo2().fordblks < kReleaseMinFree) return;
#endif
  R_gc();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace nembed

#endif
