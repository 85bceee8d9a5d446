// Copy-in / copy-out between R matrices and the core's row-major arrays (done once per call, on
// the main thread, never inside workers).
#ifndef NEMBED_RCPP_CONVERT_H
#define NEMBED_RCPP_CONVERT_H

#include <Rcpp.h>

#include <vector>

namespace nembed {

// Row-major n x d copy of an R matrix.
inline std::vector<double> rowmajor(const Rcpp::NumericMatrix& Y) {
  const std::size_t n = Y.nrow(), d = Y.ncol();
  std::vector<double> out(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out[i * d + c] = Y(i, c);
  return out;
}

inline Rcpp::NumericMatrix to_matrix(const std::vector<double>& v, std::size_t n, std::size_t d) {
  Rcpp::NumericMatrix out(n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out(i, c) = v[i * d + c];
  return out;
}

// Row-major n x k neighbour arrays from R's n x k matrices (1-based indices to 0-based).
inline void knn_from_r(const Rcpp::IntegerMatrix& idx, const Rcpp::NumericMatrix& dist,
                       std::vector<int>& nbr, std::vector<double>& d) {
  const std::size_t n = idx.nrow(), k = idx.ncol();
  nbr.resize(n * k);
  d.resize(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      nbr[i * k + j] = idx(i, j) - 1;
      d[i * k + j] = dist(i, j);
    }
}

}  // namespace nembed

#endif
