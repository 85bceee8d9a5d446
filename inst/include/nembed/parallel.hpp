// The executor interface the numerical core is written against.
//
// An executor has one member template
//     template <class Fn> void parallel_for(std::size_t begin, std::size_t end, Fn&& fn,
//                                           std::size_t grain = 1) const;
// that calls fn(b, e) on disjoint sub-ranges covering [begin, end), possibly concurrently, and
// returns only when all calls have finished, and an `int n_threads() const`.
// The R glue backs it with RcppParallel (src/rcpp_executor.h); SerialExecutor backs it with a loop
// so a plain C++ program (tools/core-check) can drive the core without R or TBB.
//
// Reproducibility rule used throughout the core: work whose result depends on summation order is
// split into *fixed* blocks (block_ranges) whose boundaries do not depend on the thread count;
// per-block partial results are combined in block order on the calling thread. Results are
// therefore bit-identical for any number of threads unless a function documents otherwise.
#ifndef NEMBED_PARALLEL_HPP
#define NEMBED_PARALLEL_HPP

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nembed {

struct SerialExecutor {
  template <class Fn>
  void parallel_for(std::size_t begin, std::size_t end, Fn&& fn, std::size_t = 1) const {
    if (begin < end) fn(begin, end);
  }
  int n_threads() const { return 1; }
};

// Number of fixed blocks of at most `block` items covering n items.
inline std::size_t n_blocks(std::size_t n, std::size_t block) {
  return block == 0 ? 0 : (n + block - 1) / block;
}

// Runs fn(block_index, begin, end) for each fixed block of `block` items of [0, n).
template <class Exec, class Fn>
void for_each_block(const Exec& exec, std::size_t n, std::size_t block, Fn&& fn) {
  const std::size_t nb = n_blocks(n, block);
  exec.parallel_for(0, nb, [&](std::size_t b0, std::size_t b1) {
    for (std::size_t b = b0; b < b1; ++b) {
      const std::size_t s = b * block;
      fn(b, s, std::min(n, s + block));
    }
  }, 1);
}

// The reproducible reduction: part_b = fn(begin, end) for each fixed block b of `block` items of
// [0, n), computed in parallel, then combined on the calling thread in block order starting from
// `init` (total = combine(...combine(combine(init, part_0), part_1)..., part_last)). Use it for every
// order-dependent global sum (partition sums Z, swing and traction, maxima).
template <class T, class Exec, class Fn, class Combine>
T block_reduce(const Exec& exec, std::size_t n, std::size_t block, T init, Fn&& fn,
               Combine&& combine) {
  std::vector<T> part(n_blocks(n, block), init);
  for_each_block(exec, n, block, [&](std::size_t b, std::size_t s, std::size_t e) { part[b] = fn(s, e); });
  T total = init;
  for (const T& p : part) total = combine(total, p);
  return total;
}

// block_reduce with addition in block order.
template <class Exec, class Fn>
double block_sum(const Exec& exec, std::size_t n, std::size_t block, Fn&& fn) {
  return block_reduce(exec, n, block, 0.0, fn, [](double a, double b) { return a + b; });
}

}  // namespace nembed

#endif
