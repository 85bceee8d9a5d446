// Gaussian 2-Wasserstein distances between units (groups of samples), Bachmann, Hennig & Kobak
// (2022), "Wasserstein t-SNE".
//
// Each unit u is summarised by its mean m_u and unbiased covariance S_u. For two Gaussians
//   W2^2 = ||m_i - m_j||^2 + tr(S_i + S_j - 2 (S_j^1/2 S_i S_j^1/2)^1/2),
// and the paper's mixing parameter lambda (`w` in its code, Distances.py::GaussianWassersteinDistance)
//   D_lambda = sqrt(2 - 4 (lambda - 1/2)^2) * sqrt((1 - lambda) ||m_i - m_j||^2 + lambda * Bures^2),
// so lambda = 0 gives ||m_i - m_j||, 0.5 the plain W2, and 1 the covariance (Bures) part alone.
//
// tr((S_j^1/2 S_i S_j^1/2)^1/2) is the sum of the square roots of the eigenvalues of
// M = B^T B with B = S_i^1/2 S_j^1/2 (M equals S_j^1/2 S_i S_j^1/2 but is symmetric and positive
// semi-definite by construction, so a symmetric eigensolver applies). Tiny eigenvalues carry an
// absolute error of about eps * ||M||, hence the covariance part of nearly singular pairs is
// accurate to about sqrt(eps) relative to the covariance scale.
#ifndef NEMBED_WASSERSTEIN_HPP
#define NEMBED_WASSERSTEIN_HPP

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

// Per-unit Gaussian summaries. means: F x U (one column per unit); covs[u]: F x F;
// sqrt_covs[u]: the symmetric square root of covs[u] (negative eigenvalues clipped to 0).
struct UnitMoments {
  Eigen::MatrixXd means;
  std::vector<Eigen::MatrixXd> covs;
  std::vector<Eigen::MatrixXd> sqrt_covs;
  std::vector<double> trace;  // tr(covs[u])
  std::vector<int> size;      // samples per unit
};

// Symmetric PSD square root by eigendecomposition; eigenvalues below 0 (round-off) become 0.
inline Eigen::MatrixXd psd_sqrt(const Eigen::MatrixXd& S) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  Eigen::VectorXd ev = es.eigenvalues().cwiseMax(0.0).cwiseSqrt();
  return es.eigenvectors() * ev.asDiagonal() * es.eigenvectors().transpose();
}

// Fills the square roots and traces once the covariances are set; one eigendecomposition per unit.
template <class Exec>
void finish_moments(UnitMoments& m, const Exec& exec) {
  const std::size_t U = m.covs.size();
  m.sqrt_covs.assign(U, Eigen::MatrixXd());
  m.trace.assign(U, 0.0);
  exec.parallel_for(0, U, [&](std::size_t b, std::size_t e) {
    for (std::size_t u = b; u < e; ++u) {
      const Eigen::MatrixXd S = 0.5 * (m.covs[u] + m.covs[u].transpose());
      m.sqrt_covs[u] = psd_sqrt(S);
      m.trace[u] = S.trace();
    }
  }, 1);
}

// X: F x n (one column per sample); group[s] in [0, U). A unit with a single sample gets a zero
// covariance (a point mass); a unit with fewer than F + 1 samples has a singular covariance, which
// the clipped square root handles. Each unit's sums run over its samples in input order, so the
// result does not depend on the thread count.
template <class Exec>
UnitMoments unit_moments(const Eigen::MatrixXd& X, const std::vector<int>& group, std::size_t U,
                         const Exec& exec) {
  const std::size_t F = X.rows(), n = X.cols();
  std::vector<std::vector<std::size_t>> members(U);
  for (std::size_t s = 0; s < n; ++s) members[group[s]].push_back(s);
  UnitMoments m;
  m.means = Eigen::MatrixXd::Zero(F, U);
  m.covs.assign(U, Eigen::MatrixXd::Zero(F, F));
  m.size.assign(U, 0);
  exec.parallel_for(0, U, [&](std::size_t b, std::size_t e) {
    for (std::size_t u = b; u < e; ++u) {
      const auto& idx = members[u];
      const std::size_t k = idx.size();
      m.size[u] = static_cast<int>(k);
      if (k == 0) continue;
      Eigen::VectorXd mu = Eigen::VectorXd::Zero(F);
      for (std::size_t s : idx) mu += X.col(s);
      mu /= static_cast<double>(k);
      m.means.col(u) = mu;
      if (k < 2) continue;
      Eigen::MatrixXd C(F, k);
      for (std::size_t t = 0; t < k; ++t) C.col(t) = X.col(idx[t]) - mu;
      Eigen::MatrixXd S = Eigen::MatrixXd::Zero(F, F);
      S.selfadjointView<Eigen::Lower>().rankUpdate(C, 1.0 / static_cast<double>(k - 1));
      m.covs[u] = S.selfadjointView<Eigen::Lower>();
    }
  }, 1);
  finish_moments(m, exec);
  return m;
}

// Weight of the mean and covariance parts and the overall prefactor for a given lambda.
struct LambdaMix {
  double w_mean, w_cov, prefactor;
  explicit LambdaMix(double lambda)
      : w_mean(1.0 - lambda), w_cov(lambda),
        prefactor(std::sqrt(std::max(0.0, 2.0 - 4.0 * (lambda - 0.5) * (lambda - 0.5)))) {}
  double operator()(double mean_sq, double bures_sq) const {
    return prefactor * std::sqrt(std::max(0.0, w_mean * mean_sq + w_cov * bures_sq));
  }
};

// Squared Bures distance tr(S_i + S_j - 2 (S_j^1/2 S_i S_j^1/2)^1/2), clipped at 0.
// `es` and `B`, `M` are scratch space reused across pairs.
inline double bures_sq(const UnitMoments& m, std::size_t i, std::size_t j,
                       Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>& es, Eigen::MatrixXd& B,
                       Eigen::MatrixXd& M) {
  if (m.trace[i] == 0.0 || m.trace[j] == 0.0) return m.trace[i] + m.trace[j];
  B.noalias() = m.sqrt_covs[i] * m.sqrt_covs[j];
  M.noalias() = B.transpose() * B;
  es.compute(M, Eigen::EigenvaluesOnly);
  double root_trace = 0.0;
  const Eigen::VectorXd& ev = es.eigenvalues();
  for (Eigen::Index t = 0; t < ev.size(); ++t) root_trace += std::sqrt(std::max(0.0, ev[t]));
  return std::max(0.0, m.trace[i] + m.trace[j] - 2.0 * root_trace);
}

// (i, j), i > j, of the k-th entry of a packed lower triangle stored column by column, the layout
// of R's `dist`: column j holds pairs (j+1, j), ..., (U-1, j).
inline void packed_to_pair(std::size_t k, std::size_t U, std::size_t& i, std::size_t& j) {
  // start(j) = j U - j (j + 1) / 2; solve start(j) <= k for the largest j, then fix round-off.
  const double Ud = static_cast<double>(U);
  const double disc = (2.0 * Ud - 1.0) * (2.0 * Ud - 1.0) - 8.0 * static_cast<double>(k);
  std::size_t jj = static_cast<std::size_t>(
      std::max(0.0, std::floor(((2.0 * Ud - 1.0) - std::sqrt(std::max(0.0, disc))) / 2.0)));
  auto start = [U](std::size_t c) { return c * U - c * (c + 1) / 2; };
  while (jj > 0 && start(jj) > k) --jj;
  while (jj + 1 < U && start(jj + 1) <= k) ++jj;
  j = jj;
  i = j + 1 + (k - start(j));
}

// Packed (dist-layout) Gaussian distances D_lambda between all pairs of units. Each pair is
// computed independently, so the result is identical for any thread count. The work runs in
// batches of pairs with control.check() in between.
template <class Exec>
std::vector<double> gaussian_wasserstein(const UnitMoments& m, double lambda, const Exec& exec,
                                         Control& control, std::size_t batch = 32768) {
  const std::size_t U = m.covs.size();
  const std::size_t F = m.means.rows();
  const std::size_t n_pairs = U < 2 ? 0 : U * (U - 1) / 2;
  std::vector<double> out(n_pairs, 0.0);
  const LambdaMix mix(lambda);
  const bool need_cov = lambda > 0.0;
  const bool need_mean = lambda < 1.0;
  const std::size_t grain = std::max<std::size_t>(16, 2048 / std::max<std::size_t>(1, F * F));
  for (std::size_t b0 = 0; b0 < n_pairs; b0 += batch) {
    const std::size_t b1 = std::min(n_pairs, b0 + batch);
    exec.parallel_for(b0, b1, [&](std::size_t b, std::size_t e) {
      Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(static_cast<Eigen::Index>(F));
      Eigen::MatrixXd B(F, F), M(F, F);
      std::size_t i, j;
      packed_to_pair(b, U, i, j);
      for (std::size_t k = b; k < e; ++k) {
        const double mean_sq = need_mean ? (m.means.col(i) - m.means.col(j)).squaredNorm() : 0.0;
        const double cov_sq = need_cov ? bures_sq(m, i, j, es, B, M) : 0.0;
        out[k] = mix(mean_sq, cov_sq);
        if (++i == U) {
          ++j;
          i = j + 1;
        }
      }
    }, grain);
    control.check();
    if (control.verbose() && n_pairs > batch) {
      control.message("Gaussian Wasserstein distances: " + std::to_string(b1) + " of " +
                      std::to_string(n_pairs) + " pairs");
    }
  }
  return out;
}

}  // namespace nembed

#endif
