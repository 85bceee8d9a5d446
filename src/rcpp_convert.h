// Copy-in / copy-out between R matrices and the core's row-major arrays (done once per call, on
// the main thread, never inside workers).
#ifndef NEMBED_RCPP_CONVERT_H
#define NEMBED_RCPP_CONVERT_H

#include <Rcpp.h>

#include <cassert>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/validate.hpp"

namespace nembed {

// Row-major n x d copy of an R matrix, in doubles or (the SGD methods' coordinates) floats.
template <class T = double>
std::vector<T> rowmajor(const Rcpp::NumericMatrix& Y) {
  const std::size_t n = Y.nrow(), d = Y.ncol();
  std::vector<T> out(n * d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out[i * d + c] = static_cast<T>(Y(i, c));
  return out;
}

template <class T>
Rcpp::NumericMatrix to_matrix(const std::vector<T>& v, std::size_t n, std::size_t d) {
  Rcpp::NumericMatrix out(n, d);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t c = 0; c < d; ++c) out(i, c) = v[i * d + c];
  return out;
}

// An R matrix as a dense Eigen matrix `Mat` of any scalar and storage order (e.g. the network's
// RowMat<float> data or ColMat<float> weights), and back. Templated on the matrix type so this
// header needs no Eigen include (files that use it include RcppEigen.h first).
template <class Mat>
Mat dense_from_r(const Rcpp::NumericMatrix& X) {
  using T = typename Mat::Scalar;
  Mat out(X.nrow(), X.ncol());
  for (int c = 0; c < X.ncol(); ++c)
    for (int r = 0; r < X.nrow(); ++r) out(r, c) = static_cast<T>(X(r, c));
  return out;
}

template <class Mat>
Rcpp::NumericMatrix dense_to_r(const Mat& Y) {
  Rcpp::NumericMatrix out(Y.rows(), Y.cols());
  for (decltype(Y.cols()) c = 0; c < Y.cols(); ++c)
    for (decltype(Y.rows()) r = 0; r < Y.rows(); ++r) out(r, c) = static_cast<double>(Y(r, c));
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

// A symmetric dgCMatrix (column pointers, row indices, values) as CSR rows: the same arrays.
inline CsrGraph csr_from_r(const Rcpp::IntegerVector& p, const Rcpp::IntegerVector& i,
                           const Rcpp::NumericVector& x, std::size_t n);

// The same from the dgCMatrix itself (as_weight_matrix() made it one in R).
inline CsrGraph csr_from_r(SEXP graph) {
  if (!Rf_isS4(graph) || !Rcpp::S4(graph).is("dgCMatrix"))
    throw Error("type", "W", "the graph must be a dgCMatrix");
  const Rcpp::S4 W(graph);
  const Rcpp::IntegerVector dim = W.slot("Dim");
  return csr_from_r(W.slot("p"), W.slot("i"), W.slot("x"), static_cast<std::size_t>(dim[0]));
}

inline CsrGraph csr_from_r(const Rcpp::IntegerVector& p, const Rcpp::IntegerVector& i,
                           const Rcpp::NumericVector& x, std::size_t n) {
  // validate_affinities() / as_weight_matrix() ran in R; debug builds check again.
  assert(check_csc_arrays(p.begin(), p.size(), i.begin(), i.size(), x.begin(), x.size(), n).empty());
  CsrGraph s;
  s.n = n;
  s.ptr.assign(p.begin(), p.end());
  s.idx.assign(i.begin(), i.end());
  s.val.assign(x.begin(), x.end());
  return s;
}

// A symmetric CSR graph as the p, i, x of a dgCMatrix. Consumes s: each array is released as soon
// as its R copy exists, so the peak holds one extra array rather than a second matrix (at 1M points
// x 90 neighbours the matrix is ~1.5 GB).
inline Rcpp::List csr_to_r(CsrGraph&& s) {
  Rcpp::IntegerVector p(s.n + 1);
  for (std::size_t i = 0; i <= s.n; ++i) p[i] = static_cast<int>(s.ptr[i]);
  std::vector<std::size_t>().swap(s.ptr);
  Rcpp::IntegerVector i(s.idx.begin(), s.idx.end());
  std::vector<int>().swap(s.idx);
  Rcpp::NumericVector x(s.val.begin(), s.val.end());
  std::vector<double>().swap(s.val);
  return Rcpp::List::create(Rcpp::Named("p") = p, Rcpp::Named("i") = i, Rcpp::Named("x") = x);
}

}  // namespace nembed

#endif
