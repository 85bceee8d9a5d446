// Reading a glue function's one named list of options into the core's params structs.
//
//   OptionReader opt(options);
//   opt.read("n_epochs", par.n_epochs);          // absent: the struct's default stays
//   opt.read_enum("metric", par.metric, metric_names());
//   GlueRun run(opt);                            // n_threads, verbose; then any name not read
//                                                // is an error
//
// Every error is a nembed::Error naming the option, so core_call() on the R side classes it.
#ifndef NEMBED_PARAMS_H
#define NEMBED_PARAMS_H

#include <Rcpp.h>

#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nembed/control.hpp"
#include "rcpp_executor.h"

namespace nembed {

class OptionReader {
 public:
  explicit OptionReader(const Rcpp::List& options) : options_(options) {
    if (options_.size() == 0) return;
    if (Rf_isNull(options_.names()))
      throw Error("value", "options", "the options list must be named");
    Rcpp::CharacterVector nm = options_.names();
    for (R_xlen_t i = 0; i < nm.size(); ++i) {
      const std::string name(nm[i]);
      if (name.empty()) throw Error("value", "options", "every option needs a name");
      if (!given_.insert(name).second) throw Error("value", name, "option `" + name + "` given twice");
    }
  }

  // Reads option `name` into `field` when present (a NULL value counts as absent, so R can pass
  // `x = NULL` for "the default"); field's type decides the conversion. Takes
  // any number of (name, field) pairs.
  template <class T, class... More>
  void read(const std::string& name, T& field, More&... more) {
    SEXP x = take(name);
    if (x != R_NilValue) convert(name, x, field);
    if constexpr (sizeof...(More) > 0) read(more...);
  }

  // Reads a string option through the enum's name table (unknown strings are errors).
  template <class E, std::size_t N>
  void read_enum(const std::string& name, E& field, const std::pair<const char*, E> (&table)[N]) {
    SEXP x = take(name);
    if (x == R_NilValue) return;
    std::string s;
    convert(name, x, s);
    field = enum_from_name(table, s, name);
  }

  // Throws on the first option that no read() asked for.
  void done() const {
    for (const auto& name : given_)
      if (!used_.count(name))
        throw Error("value", name, "unknown option `" + name + "`");
  }

 private:
  SEXP take(const std::string& name) {
    if (!given_.count(name)) return R_NilValue;
    used_.insert(name);
    return options_[name];
  }
  static void scalar(const std::string& name, SEXP x) {
    if (Rf_xlength(x) != 1) throw Error("size", name, "option `" + name + "` must be a single value");
  }
  static double number(const std::string& name, SEXP x) {
    scalar(name, x);
    if (!Rf_isNumeric(x) && !Rf_isLogical(x))
      throw Error("type", name, "option `" + name + "` must be a number");
    const double v = Rf_asReal(x);
    if (ISNAN(v)) throw Error("value", name, "option `" + name + "` must not be NA");
    return v;
  }
  static void convert(const std::string& name, SEXP x, double& f) { f = number(name, x); }
  static void convert(const std::string& name, SEXP x, float& f) { f = static_cast<float>(number(name, x)); }
  static void convert(const std::string& name, SEXP x, int& f) { f = static_cast<int>(number(name, x)); }
  // Unsigned counts and seeds (seeds arrive as doubles already reduced to an exact range).
  template <class U, class = typename std::enable_if<std::is_unsigned<U>::value>::type>
  static void convert(const std::string& name, SEXP x, U& f) {
    const double v = number(name, x);
    if (v < 0) throw Error("value", name, "option `" + name + "` must not be negative");
    f = static_cast<U>(v);
  }
  static void convert(const std::string& name, SEXP x, bool& f) {
    scalar(name, x);
    if (!Rf_isLogical(x) || LOGICAL(x)[0] == NA_LOGICAL)
      throw Error("type", name, "option `" + name + "` must be TRUE or FALSE");
    f = LOGICAL(x)[0] != 0;
  }
  static void convert(const std::string& name, SEXP x, std::string& f) {
    scalar(name, x);
    if (!Rf_isString(x) || STRING_ELT(x, 0) == NA_STRING)
      throw Error("type", name, "option `" + name + "` must be a string");
    f = CHAR(STRING_ELT(x, 0));
  }
  static void convert(const std::string& name, SEXP x, std::vector<double>& f) {
    if (!Rf_isNumeric(x)) throw Error("type", name, "option `" + name + "` must be numeric");
    Rcpp::NumericVector v(x);
    f.assign(v.begin(), v.end());
  }

  Rcpp::List options_;
  std::set<std::string> given_, used_;
};

// What every glue function takes besides its own options: n_threads and verbose, read last,
// after which no option may be left unread. Holds the executor and the Control of the call.
class GlueRun {
 public:
  explicit GlueRun(OptionReader& opt) : GlueRun(finish(opt)) {}
  // For a glue function with no options of its own.
  explicit GlueRun(const Rcpp::List& options) : GlueRun(finish(OptionReader(options))) {}
  RcppParallelExecutor exec;
  RControl control;

 private:
  struct Run {
    int n_threads = 1;
    bool verbose = false;
  };
  static Run finish(OptionReader&& opt) { return finish(opt); }
  static Run finish(OptionReader& opt) {
    Run r;
    opt.read("n_threads", r.n_threads, "verbose", r.verbose);
    opt.done();
    return r;
  }
  explicit GlueRun(const Run& r) : exec(r.n_threads), control(r.verbose) {}
};

}  // namespace nembed

#endif
