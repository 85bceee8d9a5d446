// RcppParallel-backed executor and R-backed Control for the nembed core.
#ifndef NEMBED_RCPP_EXECUTOR_H
#define NEMBED_RCPP_EXECUTOR_H

#include <Rcpp.h>
// Only the TBB backend: <RcppParallel.h> also pulls in RMatrix.h, whose use of the deprecated
// std::iterator draws compiler warnings under C++17 (a WARNING in R CMD check).
#include <RcppParallel/TBB.h>

#include <exception>
#include <mutex>
#include <string>

#include "nembed/control.hpp"

namespace nembed {

class RcppParallelExecutor {
 public:
  explicit RcppParallelExecutor(int n_threads) : n_threads_(n_threads < 1 ? 1 : n_threads) {}
  int n_threads() const { return n_threads_; }

  template <class Fn>
  void parallel_for(std::size_t begin, std::size_t end, Fn&& fn, std::size_t grain = 1) const {
    if (begin >= end) return;
    if (n_threads_ <= 1 || end - begin <= 1) {
      fn(begin, end);
      return;
    }
    struct W : public RcppParallel::Worker {
      Fn& f;
      std::exception_ptr err;
      std::mutex mtx;
      explicit W(Fn& f_) : f(f_) {}
      void operator()(std::size_t b, std::size_t e) override {
        try {
          f(b, e);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mtx);
          if (!err) err = std::current_exception();
        }
      }
    } w(fn);
    RcppParallel::tbbParallelFor(begin, end, w, grain < 1 ? 1 : grain, n_threads_);
    if (w.err) std::rethrow_exception(w.err);
  }

 private:
  int n_threads_;
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
