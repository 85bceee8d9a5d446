// Affinities on a kNN graph: perplexity-calibrated Gaussians (t-SNE), uniform kNN weights and
// UMAP's fuzzy simplicial set; graph.hpp symmetrises them into a sparse symmetric matrix.
#ifndef NEMBED_AFFINITIES_HPP
#define NEMBED_AFFINITIES_HPP

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

struct PerplexityResult {
  std::vector<double> p;     // n * k conditional affinities p_{j|i}, rows sum to 1 (if stored)
  std::vector<double> beta;  // n precisions (1 / (2 sigma^2)) of the last perplexity
  std::vector<double> entropy;  // n row entropies (natural log) of the last perplexity
  // What p_{j|i} is computed from (see PerplexityWeights): per point, the smallest squared
  // distance and, per perplexity (n * n_perplexities, point-major), beta and the normaliser.
  std::vector<double> dmin, row_beta, row_sum;
  std::size_t n_perplexities = 0;
};

// One perplexity's contribution to p_{j|i}: exp(-beta d2) / sum / n_perplexities, d2 the squared
// distance minus the row's smallest (perplexity_calibrate() and PerplexityWeights both use it, so
// a stored and a recomputed p are the same doubles).
inline double perplexity_term(double beta, double d2, double sum, double n_perplexities) {
  return std::exp(-beta * d2) / sum / n_perplexities;
}

// The n x k kNN distances as perplexity_calibrate() reads them: row-major (a std::vector) or
// column-major (R's matrix, read where it is: no n x k copy, 0.72 GB at 10^6 x 90).
struct RowMajorDistances {
  const double* d;
  std::size_t k;
  double operator()(std::size_t i, std::size_t j) const { return d[i * k + j]; }
};
struct ColumnMajorDistances {
  const double* d;
  std::size_t n;
  double operator()(std::size_t i, std::size_t j) const { return d[j * n + i]; }
};

// Bisection on beta so that the entropy of p_{.|i} equals log(perplexity) (Hinton & Roweis; FIt-SNE
// defaults: start at 1, tolerance 1e-5, at most 200 steps). Distances are shifted by the row minimum
// before exponentiation, which leaves p unchanged but avoids underflow. With several perplexities
// the conditional affinities are averaged per point (multi-scale). Without `store_p`, p stays
// empty (PerplexityWeights computes it where it is read: 8 bytes per directed edge less).
template <class Dist, class Exec>
PerplexityResult perplexity_calibrate(std::size_t n, std::size_t k, const Dist& dist,
                                      const std::vector<double>& perplexities, double tol,
                                      int max_iter, const Exec& exec, bool store_p = true) {
  PerplexityResult r;
  const std::size_t n_perp = perplexities.size();
  if (store_p) r.p.assign(n * k, 0.0);
  r.beta.assign(n, 1.0);
  r.entropy.assign(n, 0.0);
  r.dmin.assign(n, 0.0);
  r.row_beta.assign(n * n_perp, 1.0);
  r.row_sum.assign(n * n_perp, 1.0);
  r.n_perplexities = n_perp;
  const double np = static_cast<double>(n_perp);
  exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
    std::vector<double> d2(k), pr(k);
    for (std::size_t i = i0; i < i1; ++i) {
      double dmin = std::numeric_limits<double>::infinity();
      for (std::size_t j = 0; j < k; ++j) {
        const double d = dist(i, j);
        d2[j] = d * d;
        dmin = std::min(dmin, d2[j]);
      }
      for (std::size_t j = 0; j < k; ++j) d2[j] -= dmin;
      r.dmin[i] = dmin;
      for (std::size_t s = 0; s < n_perp; ++s) {
        const double target = std::log(perplexities[s]);
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
        for (std::size_t j = 0; j < k; ++j) sum += std::exp(-beta * d2[j]);
        if (store_p)
          for (std::size_t j = 0; j < k; ++j) r.p[i * k + j] += perplexity_term(beta, d2[j], sum, np);
        r.row_beta[i * n_perp + s] = beta;
        r.row_sum[i * n_perp + s] = sum;
        r.beta[i] = beta;
        r.entropy[i] = H;
      }
    }
  }, 64);
  return r;
}

// The same on row-major distances (n x k).
template <class Exec>
PerplexityResult perplexity_calibrate(std::size_t n, std::size_t k, const std::vector<double>& dist,
                                      const std::vector<double>& perplexities, double tol,
                                      int max_iter, const Exec& exec, bool store_p = true) {
  return perplexity_calibrate(n, k, RowMajorDistances{dist.data(), k}, perplexities, tol, max_iter,
                              exec, store_p);
}

// p_{j|i} of a calibration run without store_p, computed where it is read (w[pos], pos = i * k + j,
// as symmetrize_into() reads weights) from the n x k distances in R's column-major layout. The
// same doubles as the stored p: the same operations on the same values, in the same order.
struct PerplexityWeights {
  ColumnMajorDistances dist;
  std::size_t k = 0;
  const PerplexityResult* r = nullptr;
  double operator[](std::size_t pos) const {
    const std::size_t i = pos / k, j = pos % k;
    const double d = dist(i, j);
    double d2 = d * d;
    d2 -= r->dmin[i];
    const std::size_t np = r->n_perplexities;
    double p = 0.0;
    for (std::size_t s = 0; s < np; ++s)
      p += perplexity_term(r->row_beta[i * np + s], d2, r->row_sum[i * np + s],
                           static_cast<double>(np));
    return p;
  }
};

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
