// RcppParallel-backed executor and R-backed Control for the nembed core.
#ifndef NEMBED_RCPP_EXECUTOR_H
#define NEMBED_RCPP_EXECUTOR_H

#include <Rcpp.h>
// Only the TBB backend: <RcppParallel.h> also pulls in RMatrix.h, whose use of the deprecated
// std::iterator draws compiler warnings under C++17 (a WARNING in R CMD check).
#include <RcppParallel/TBB.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <exception>
#include <memory>
#include <mutex>
#include <string>

#include "nembed/control.hpp"

namespace nembed {

// One TBB task arena for the executor's lifetime (one glue call). RcppParallel's tbbParallelFor
// makes a new arena on every call, and a call then waits for the worker threads to join and to
// leave it: measured on the idle 2-core machine, 2 threads, empty work, 56-720 us per call,
// against 0.1-2.3 us with a kept arena (milliseconds against microseconds under load). t-SNE makes some 15 parallel calls per iteration and the
// HNSW build two per batch of 256 points, so the per-call cost was a visible part of their time.
// How the range is split does not change any result (the core's reductions use fixed blocks).
class RcppParallelExecutor {
 public:
  explicit RcppParallelExecutor(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {
    if (n_threads_ > 1) arena_ = std::make_shared<tbb::task_arena>(n_threads_);
  }
  int n_threads() const { return n_threads_; }

  template <class Fn>
  void parallel_for(std::size_t begin, std::size_t end, Fn&& fn, std::size_t grain = 1) const {
    if (begin >= end) return;
    if (n_threads_ <= 1 || end - begin <= 1) {
      fn(begin, end);
      return;
    }
    std::exception_ptr err;
    std::mutex mtx;
    arena_->execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(begin, end, grain < 1 ? 1 : grain),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          try {
                            fn(r.begin(), r.end());
                          } catch (...) {
                            std::lock_guard<std::mutex> lock(mtx);
                            if (!err) err = std::current_exception();
                          }
                        });
    });
    if (err) std::rethrow_exception(err);
  }

 private:
  int n_threads_;
  std::shared_ptr<tbb::task_arena> arena_;
};

namespace detail {
inline void check_interrupt_fn(void*) { R_CheckUserInterrupt(); }
}  // namespace detail

// Only ever called by the core from the main thread, between batches of work.
class RControl : public Control {
 public:
  explicit RControl(bool verbose) : verbose_(verbose) {}
  bool verbose() const override { return verbose_; }
  void message(const std::string& s) override {
    if (verbose_) Rcpp::Rcerr << s << std::endl;
  }
  bool interrupted() override {
    // R_ToplevelExec keeps R's longjmp out of C++ frames; the core then unwinds with RAII.
    return R_ToplevelExec(detail::check_interrupt_fn, nullptr) == FALSE;
  }

 private:
  bool verbose_;
};

}  // namespace nembed

// Wraps a glue body: maps nembed::Interrupted to an R interrupt, std exceptions to R errors.
#define NEMBED_GLUE_BEGIN try {
#define NEMBED_GLUE_END                                   \
  }                                                       \
  catch (nembed::Interrupted&) {                          \
    throw Rcpp::internal::InterruptedException();         \
  }

#endif
