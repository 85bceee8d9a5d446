// Returning freed memory to the system before a phase that allocates a lot (glue only).
#ifndef NEMBED_HEAP_H
#define NEMBED_HEAP_H

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
inline void release_free_memory() {
  R_gc();
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace nembed

#endif
