// Affinities on a kNN graph: perplexity-calibrated Gaussians (t-SNE), uniform kNN weights and
// UMAP's fuzzy simplicial set, each symmetrised into a sparse symmetric matrix.
#ifndef NEMBED_AFFINITY_HPP
#define NEMBED_AFFINITY_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

// Compressed sparse rows; for a symmetric matrix this is also its CSC form (a dgCMatrix).
struct SparseSym {
  std::size_t n = 0;
  std::vector<std::size_t> ptr;  // n + 1
  std::vector<int> idx;
  std::vector<double> val;
  std::size_t nnz() const { return idx.size(); }
};

namespace detail {

// Pos: an unsigned type that can hold n * k (uint32_t up to 4.29e9 directed edges).
template <class Pos, class Exec, class Combine>
SparseSym symmetrize_impl(std::size_t n, std::size_t k, const std::vector<int>& nbr,
                          const std::vector<double>& w, Combine combine, const Exec& exec) {
  // Memory matters here (1M points x 90 neighbours): instead of listing every directed edge twice
  // (forward and backward, 24 bytes each) and sorting, keep the kNN rows as they are and build
  // only their transpose, as positions into the kNN arrays (4 bytes per edge). Row r of the
  // result is then the merge of its own neighbours (sorted locally) and the points that have r
  // as a neighbour (sorted by construction), done twice per row: once to count, once to write.
  auto valid = [&](std::size_t i, int c) { return c >= 0 && static_cast<std::size_t>(c) != i; };
  std::vector<std::size_t> tptr(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      const int c = nbr[i * k + j];
      if (valid(i, c)) ++tptr[c + 1];
    }
  for (std::size_t i = 0; i < n; ++i) tptr[i + 1] += tptr[i];
  std::vector<Pos> tpos(tptr[n]);  // tpos[t] = i * k + j for an edge i -> c
  {
    std::vector<std::size_t> fill(tptr.begin(), tptr.end() - 1);
    for (std::size_t i = 0; i < n; ++i)  // ascending i: each transposed row comes out sorted
      for (std::size_t j = 0; j < k; ++j) {
        const int c = nbr[i * k + j];
        if (valid(i, c)) tpos[fill[c]++] = static_cast<Pos>(i * k + j);
      }
  }
  auto source = [&](std::size_t t) { return static_cast<int>(tpos[t] / k); };
  // Merges row r: forward entries (own neighbours, sorted by column into `order`) with backward
  // ones (the transposed row); repeated columns are summed per direction. emit(col, fwd, bwd).
  auto merge_row = [&](std::size_t r, std::vector<std::size_t>& order, auto&& emit) {
    order.clear();
    for (std::size_t j = 0; j < k; ++j)
      if (valid(r, nbr[r * k + j])) order.push_back(r * k + j);
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return nbr[a] < nbr[b] || (nbr[a] == nbr[b] && a < b); });
    std::size_t f = 0, t = tptr[r];
    const std::size_t f_end = order.size(), t_end = tptr[r + 1];
    while (f < f_end || t < t_end) {
      const int col = (t == t_end || (f < f_end && nbr[order[f]] <= source(t))) ? nbr[order[f]] : source(t);
      double fwd = 0.0, bwd = 0.0;
      for (; f < f_end && nbr[order[f]] == col; ++f) fwd += w[order[f]];
      for (; t < t_end && source(t) == col; ++t) bwd += w[tpos[t]];
      emit(col, fwd, bwd);
    }
  };
  // Rows are independent, so the result does not depend on the number of threads.
  std::vector<std::size_t> kept(n, 0);
  exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
    std::vector<std::size_t> order;
    order.reserve(k);
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t c = 0;
      merge_row(r, order, [&](int, double, double) { ++c; });
      kept[r] = c;
    }
  }, 256);
  SparseSym s;
  s.n = n;
  s.ptr.assign(n + 1, 0);
  for (std::size_t r = 0; r < n; ++r) s.ptr[r + 1] = s.ptr[r] + kept[r];
  s.idx.resize(s.ptr[n]);
  s.val.resize(s.ptr[n]);
  exec.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
    std::vector<std::size_t> order;
    order.reserve(k);
    for (std::size_t r = r0; r < r1; ++r) {
      std::size_t out = s.ptr[r];
      merge_row(r, order, [&](int col, double fwd, double bwd) {
        s.idx[out] = col;
        s.val[out++] = combine(fwd, bwd);
      });
    }
  }, 256);
  return s;
}

}  // namespace detail

// Directed weights w(i -> nbr[i*k + j]) turned into a symmetric matrix whose (i, j) entry is
// combine(w(i -> j), w(j -> i)) (missing directions count as 0). Row entries sorted by column.
template <class Exec, class Combine>
SparseSym symmetrize(std::size_t n, std::size_t k, const std::vector<int>& nbr,
                     const std::vector<double>& w, Combine combine, const Exec& exec) {
  if (n * k <= std::numeric_limits<std::uint32_t>::max())
    return detail::symmetrize_impl<std::uint32_t>(n, k, nbr, w, combine, exec);
  return detail::symmetrize_impl<std::uint64_t>(n, k, nbr, w, combine, exec);
}

struct PerplexityResult {
  std::vector<double> p;     // n * k conditional affinities p_{j|i}, rows sum to 1
  std::vector<double> beta;  // n precisions (1 / (2 sigma^2)) of the last perplexity
  std::vector<double> entropy;  // n row entropies (natural log) of the last perplexity
};

// Bisection on beta so that the entropy of p_{.|i} equals log(perplexity) (Hinton & Roweis; FIt-SNE
// defaults: start at 1, tolerance 1e-5, at most 200 steps). Distances are shifted by the row minimum
// before exponentiation, which leaves p unchanged but avoids underflow. With several perplexities
// the conditional affinities are averaged per point (multi-scale).
template <class Exec>
PerplexityResult perplexity_calibrate(std::size_t n, std::size_t k, const std::vector<double>& dist,
                                      const std::vector<double>& perplexities, double tol,
                                      int max_iter, const Exec& exec) {
  PerplexityResult r;
  r.p.assign(n * k, 0.0);
  r.beta.assign(n, 1.0);
  r.entropy.assign(n, 0.0);
  const double np = static_cast<double>(perplexities.size());
  exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
    std::vector<double> d2(k), pr(k);
    for (std::size_t i = i0; i < i1; ++i) {
      double dmin = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < k; ++j) {
        d2[j] = dist[i * k + j] * dist[i * k + j];
        dmin = std::min(dmin, d2[j]);
      }
      for (std::size_t j = 0; j < k; ++j) d2[j] -= dmin;
      for (double perp : perplexities) {
        const double target = std::log(perp);
        double beta = 1.0, lo = 0.0, hi = std::numeric_limits<double>::infinity();
        double H = 0.0;
        for (int it = 0; it < max_iter; ++it) {
          double sum = 0.0, dsum = 0.0;
          for (std::size_t j = 0; j < k; ++j) {
            pr[j] = std::exp(-beta * d2[j]);
            sum += pr[j];
            dsum += d2[j] * pr[j];
          }
          H = std::log(sum) + beta * dsum / sum;
          if (std::fabs(H - target) < tol) break;
          if (H > target) {
            lo = beta;
            beta = std::isinf(hi) ? beta * 2.0 : 0.5 * (beta + hi);
          } else {
            hi = beta;
            beta = 0.5 * (beta + lo);
          }
        }
        double sum = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
          pr[j] = std::exp(-beta * d2[j]);
          sum += pr[j];
        }
        for (std::size_t j = 0; j < k; ++j) r.p[i * k + j] += pr[j] / sum / np;
        r.beta[i] = beta;
        r.entropy[i] = H;
      }
    }
  }, 64);
  return r;
}

struct UmapCalibration {
  std::vector<double> v;      // n * k directed memberships exp(-max(0, d - rho) / sigma)
  std::vector<double> rho, sigma;
};

// umap-learn's smooth_knn_dist with local_connectivity = 1 and bandwidth = 1. `dist` holds the k
// neighbours other than the point itself; the target is log2(k + 1), i.e. log2(n_neighbors) with the
// point counted among its neighbours as UMAP does.
template <class Exec>
UmapCalibration umap_calibrate(std::size_t n, std::size_t k, const std::vector<double>& dist,
                               const Exec& exec) {
  UmapCalibration c;
  c.v.assign(n * k, 0.0);
  c.rho.assign(n, 0.0);
  c.sigma.assign(n, 1.0);
  const double target = std::log2(static_cast<double>(k + 1));
  const double mean_all =
      std::accumulate(dist.begin(), dist.end(), 0.0) / std::max<std::size_t>(1, dist.size());
  exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const double* d = &dist[i * k];
      double rho = 0.0, mean_i = 0.0;
      for (std::size_t j = 0; j < k; ++j) {
        mean_i += d[j];
        if (rho == 0.0 && d[j] > 0.0) rho = d[j];
      }
      mean_i /= static_cast<double>(k);
      double lo = 0.0, hi = std::numeric_limits<double>::infinity(), mid = 1.0;
      for (int it = 0; it < 64; ++it) {
        double psum = 0.0;
        for (std::size_t j = 0; j < k; ++j) {
          const double e = d[j] - rho;
          psum += e > 0.0 ? std::exp(-e / mid) : 1.0;
        }
        if (std::fabs(psum - target) < 1e-5) break;
        if (psum > target) {
          hi = mid;
          mid = 0.5 * (lo + hi);
        } else {
          lo = mid;
          mid = std::isinf(hi) ? mid * 2.0 : 0.5 * (lo + hi);
        }
      }
      const double floor = 1e-3 * (rho > 0.0 ? mean_i : mean_all);
      if (mid < floor) mid = floor;
      c.rho[i] = rho;
      c.sigma[i] = mid;
      for (std::size_t j = 0; j < k; ++j) {
        const double e = d[j] - rho;
        c.v[i * k + j] = e > 0.0 ? std::exp(-e / mid) : 1.0;
      }
    }
  }, 64);
  return c;
}

}  // namespace nembed

#endif
