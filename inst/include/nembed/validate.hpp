// Checks of the arrays inside objects that users can edit (nembed_knn, affinity matrices), run
// once at the R/C++ boundary before any kernel indexes memory with them. Each check is one O(size)
// pass without allocation beyond a stamp array of n ints; the result is an empty string when the
// input is valid, else a sentence saying what is wrong and where (1-based, as the user sees it).
// After these checks the kernels may assume valid input; debug builds also assert in them.
#ifndef NEMBED_VALIDATE_HPP
#define NEMBED_VALIDATE_HPP

#include <cassert>
#include <climits>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

namespace nembed {

// Neighbour lists in R's column-major layout: idx and dist are n x k, idx 1-based. Each row must
// hold k distinct indices in 1..n_points (not the row itself when self_excluded), with finite,
// non-negative distances sorted in non-decreasing order. NA integers are INT_MIN in R.
inline std::string check_knn_arrays(const int* idx, const double* dist, std::size_t n,
                                    std::size_t k, std::size_t n_points, bool self_excluded) {
  std::vector<std::size_t> stamp(n_points, static_cast<std::size_t>(-1));
  auto where = [](std::size_t i, std::size_t j) {
    return " (row " + std::to_string(i + 1) + ", column " + std::to_string(j + 1) + ")";
  };
  for (std::size_t i = 0; i < n; ++i) {
    double prev = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      const int v = idx[i + j * n];
      const double d = dist[i + j * n];
      if (v == INT_MIN) return "`idx` contains NA" + where(i, j);
      if (v < 1 || static_cast<std::size_t>(v) > n_points) {
        return "`idx` holds " + std::to_string(v) + ", outside 1.." + std::to_string(n_points) +
               where(i, j);
      }
      const std::size_t u = static_cast<std::size_t>(v - 1);
      if (self_excluded && u == i) return "`idx` lists a point as its own neighbour" + where(i, j);
      if (stamp[u] == i) return "`idx` lists a neighbour twice" + where(i, j);
      stamp[u] = i;
      if (!std::isfinite(d) || d < 0) return "`dist` holds a NA, infinite or negative value" + where(i, j);
      if (j > 0 && d < prev) return "`dist` is not sorted increasingly along the row" + where(i, j);
      prev = d;
    }
  }
  return std::string();
}

// A square n x n sparse matrix in compressed-column form (0-based p and i, as in a dgCMatrix):
// p[0] = 0, p non-decreasing, p[n] = nnz, row indices in 0..n-1 and increasing within a column,
// values finite and non-negative.
inline std::string check_csc_arrays(const int* p, std::size_t p_len, const int* i,
                                    std::size_t i_len, const double* x, std::size_t x_len,
                                    std::size_t n) {
  if (p_len != n + 1) return "its column pointers `p` do not match its dimension";
  if (p[0] != 0) return "its column pointers `p` do not start at 0";
  for (std::size_t c = 0; c < n; ++c) {
    if (p[c + 1] < p[c]) return "its column pointers `p` decrease";
  }
  if (static_cast<std::size_t>(p[n]) != i_len || i_len != x_len) {
    return "its slots `i`, `x` and `p` disagree on the number of non-zeros";
  }
  for (std::size_t c = 0; c < n; ++c) {
    for (int e = p[c]; e < p[c + 1]; ++e) {
      const int r = i[e];
      if (r < 0 || static_cast<std::size_t>(r) >= n) {
        return "a row index is outside 1.." + std::to_string(n) + " (column " +
               std::to_string(c + 1) + ")";
      }
      if (e > p[c] && r <= i[e - 1]) {
        return "its row indices are not increasing within column " + std::to_string(c + 1);
      }
      if (!std::isfinite(x[e]) || x[e] < 0) {
        return "it holds a NA, infinite or negative value (row " + std::to_string(r + 1) +
               ", column " + std::to_string(c + 1) + ")";
      }
    }
  }
  return std::string();
}

// For debug asserts in the glue (compiled in by the sanitizer build, which drops -DNDEBUG): the
// neighbour indices of an n x k column-major matrix lie in 1..n_points.
inline bool knn_indices_in_range(const int* idx, std::size_t n, std::size_t k,
                                 std::size_t n_points) {
  for (std::size_t e = 0; e < n * k; ++e) {
    if (idx[e] < 1 || static_cast<std::size_t>(idx[e]) > n_points) return false;
  }
  return true;
}

}  // namespace nembed

#endif
