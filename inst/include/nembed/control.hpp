// Progress reporting and interruption, as seen by the core.
//
// Long computations are split into batches (iterations, epochs, blocks of queries). Between batches,
// on the calling thread and with no worker running, the core calls Control::check(); the R glue
// implements interrupted() with R's interrupt check, so Ctrl-C takes effect within one batch.
// message() is likewise only ever called from the calling thread.
#ifndef NEMBED_CONTROL_HPP
#define NEMBED_CONTROL_HPP

#include <exception>
#include <string>

namespace nembed {

struct Interrupted : public std::exception {
  const char* what() const noexcept override { return "interrupted by the user"; }
};

class Control {
 public:
  virtual ~Control() = default;
  virtual bool verbose() const { return false; }
  virtual void message(const std::string&) {}
  virtual bool interrupted() { return false; }
  void check() {
    if (interrupted()) throw Interrupted();
  }
};

// A Control that never reports and is never interrupted: for tests and internal sub-steps.
inline Control& null_control() {
  static Control c;
  return c;
}

}  // namespace nembed

#endif
