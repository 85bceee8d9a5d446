// Progress reporting and interruption, as seen by the core.
//
// Long computations are split into batches (iterations, epochs, blocks of queries). Between batches,
// on the calling thread and with no worker running, the core calls Control::check(); the R glue
// implements interrupted() with R's interrupt check, so Ctrl-C takes effect within one batch.
// message() is likewise only ever called from the calling thread.
#ifndef NEMBED_CONTROL_HPP
#define NEMBED_CONTROL_HPP

#include <cstddef>
#include <exception>
#include <stdexcept>
#include <string>
#include <utility>

namespace nembed {

// The one exception type the core throws for bad input or a failed computation. what() is exactly
// "nembed[<kind>|<arg>] <message>"; the R side (core_call()) parses it into a classed
// `nembed_error_<kind>` naming `arg`. kind: "value", "type", "size", "graph", "internal", ...;
// arg: the offending argument's name, or empty when no single argument is to blame.
class Error : public std::runtime_error {
 public:
  Error(std::string kind, std::string arg, const std::string& message)
      : std::runtime_error("nembed[" + kind + "|" + arg + "] " + message),
        kind_(std::move(kind)), arg_(std::move(arg)) {}
  const std::string& kind() const { return kind_; }
  const std::string& arg() const { return arg_; }

 private:
  std::string kind_, arg_;
};

// One string <-> enum table per option enum lives next to the enum (e.g. metric_names() in
// knn.hpp); these two look names up in it. An unknown name is an error, never a fallback.
template <class E, std::size_t N>
E enum_from_name(const std::pair<const char*, E> (&table)[N], const std::string& name,
                 const std::string& arg) {
  for (const auto& entry : table)
    if (name == entry.first) return entry.second;
  std::string known;
  for (const auto& entry : table) known += std::string(known.empty() ? "" : ", ") + "\"" + entry.first + "\"";
  throw Error("value", arg, "`" + arg + "` must be one of " + known + ", not \"" + name + "\".");
}

template <class E, std::size_t N>
const char* enum_name(const std::pair<const char*, E> (&table)[N], E value) {
  for (const auto& entry : table)
    if (entry.second == value) return entry.first;
  throw Error("internal", "", "enum value without a name");
}

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
