// Glue: validation of user-editable objects before they reach the kernels (see validate.hpp).
#include <Rcpp.h>

#include "nembed/validate.hpp"

// [[Rcpp::export]]
std::string check_knn_cpp(const Rcpp::IntegerMatrix& idx, const Rcpp::NumericMatrix& dist,
                          int n_points, bool self_excluded) {
  if (idx.nrow() != dist.nrow() || idx.ncol() != dist.ncol()) {
    return "`idx` and `dist` have different dimensions";
  }
  return nembed::check_knn_arrays(idx.begin(), dist.begin(), idx.nrow(), idx.ncol(),
                                  static_cast<std::size_t>(n_points), self_excluded);
}

// [[Rcpp::export]]
std::string check_csc_cpp(const Rcpp::IntegerVector& p, const Rcpp::IntegerVector& i,
                          const Rcpp::NumericVector& x, int n) {
  if (p.size() < 1) return "its column pointers `p` are empty";
  return nembed::check_csc_arrays(p.begin(), p.size(), i.begin(), i.size(), x.begin(), x.size(),
                                  static_cast<std::size_t>(n));
}
