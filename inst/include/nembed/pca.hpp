// Principal component analysis of a dense matrix through its Gram matrix.
//
// With X the n x p data, c the column centres and s the column scales, the standardised data are
// Xs = (X - 1 c^T) diag(1/s). When p <= n the p x p Gram matrix G = Xs^T Xs has the eigenpairs
// (sigma_j^2, v_j) of Xs's right singular vectors, and the scores are Xs v_j; when n < p the n x n
// Gram matrix Xs Xs^T gives the left singular vectors u_j and the scores are sigma_j u_j.
//
// Why the Gram route and not a Krylov method such as irlba: for the common shapes of embedding
// input (tens of thousands of rows, hundreds to a few thousand columns) forming G is one
// symmetric rank-k update, the best-blocked operation dense linear algebra has, and the
// eigendecomposition of a p x p matrix is cheap next to it. A Krylov method needs dozens of
// matrix-vector products against X, each a full pass over memory. Squaring X squares its condition
// number; for the leading components that embeddings use (variance ratios lambda_1 / lambda_k far
// below 1e8) the eigenvectors keep about eps * lambda_1 / gap of accuracy, far inside 1e-6.
// The R layer routes only inputs with min(n, p) up to a few thousand here.
//
// Determinism: G is accumulated over a fixed number of row (or column) chunks whose boundaries do
// not depend on the thread count, each chunk in fixed sub-blocks, and the chunk sums are added
// in chunk order; the result is bit-identical for any number of threads.
#ifndef NEMBED_PCA_HPP
#define NEMBED_PCA_HPP

#include <Eigen/Dense>
#include <Spectra/MatOp/DenseSymMatProd.h>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

struct PcaResult {
  Eigen::VectorXd d;         // singular values of Xs, decreasing (k)
  Eigen::MatrixXd rotation;  // right singular vectors (p x k)
  Eigen::MatrixXd scores;    // Xs * rotation (n x k)
};

namespace detail {

// Rows [r0, r1) of Xs (or, transposed, columns [r0, r1) of Xs as rows) as a dense copy.
inline void standardised_rows(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& center,
                              const Eigen::VectorXd& inv_scale, std::size_t r0, std::size_t r1,
                              Eigen::MatrixXd& out) {
  out = (X.middleRows(r0, r1 - r0).rowwise() - center.transpose()).array().rowwise() *
        inv_scale.transpose().array();
}

inline void standardised_cols(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& center,
                              const Eigen::VectorXd& inv_scale, std::size_t c0, std::size_t c1,
                              Eigen::MatrixXd& out) {
  const std::size_t w = c1 - c0;
  out = ((X.middleCols(c0, w).rowwise() - center.segment(c0, w).transpose()).array().rowwise() *
         inv_scale.segment(c0, w).transpose().array())
            .matrix();
}

// Splits [0, m) into n_chunks contiguous chunks (fixed, independent of threads).
inline std::vector<std::size_t> chunk_bounds(std::size_t m, std::size_t n_chunks) {
  std::vector<std::size_t> b(n_chunks + 1);
  for (std::size_t c = 0; c <= n_chunks; ++c) b[c] = m * c / n_chunks;
  return b;
}

}  // namespace detail

// The Gram matrix of Xs: Xs^T Xs (p x p) when over_rows, else Xs Xs^T (n x n). Only the lower
// triangle is meaningful on return. Interruptible between rounds of sub-blocks.
template <class Exec>
Eigen::MatrixXd standardised_gram(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& center,
                                  const Eigen::VectorXd& inv_scale, bool over_rows, const Exec& exec,
                                  Control& control) {
  const std::size_t m = over_rows ? X.rows() : X.cols();  // the dimension summed over
  const std::size_t g = over_rows ? X.cols() : X.rows();  // the Gram matrix's order
  const std::size_t sub = over_rows ? 1024 : 256;         // rows (columns) per sub-block
  // Up to 8 chunks, fewer when their partial Gram matrices would exceed about 256 MB in all.
  const std::size_t by_memory = (std::size_t(1) << 25) / std::max<std::size_t>(1, g * g);
  const std::size_t n_chunks =
      std::max<std::size_t>(1, std::min<std::size_t>({8, m / sub, by_memory}));
  const std::vector<std::size_t> bounds = detail::chunk_bounds(m, n_chunks);
  std::vector<Eigen::MatrixXd> partial(n_chunks, Eigen::MatrixXd::Zero(g, g));
  std::size_t rounds = 0;
  for (std::size_t c = 0; c < n_chunks; ++c)
    rounds = std::max(rounds, n_blocks(bounds[c + 1] - bounds[c], sub));
  for (std::size_t r = 0; r < rounds; ++r) {
    exec.parallel_for(0, n_chunks, [&](std::size_t c0, std::size_t c1) {
      Eigen::MatrixXd blk;
      for (std::size_t c = c0; c < c1; ++c) {
        const std::size_t s = bounds[c] + r * sub;
        if (s >= bounds[c + 1]) continue;
        const std::size_t e = std::min(bounds[c + 1], s + sub);
        if (over_rows) {
          detail::standardised_rows(X, center, inv_scale, s, e, blk);
          partial[c].selfadjointView<Eigen::Lower>().rankUpdate(blk.transpose());
        } else {
          detail::standardised_cols(X, center, inv_scale, s, e, blk);
          partial[c].selfadjointView<Eigen::Lower>().rankUpdate(blk);
        }
      }
    });
    control.check();
  }
  for (std::size_t c = 1; c < n_chunks; ++c) partial[0] += partial[c];
  return std::move(partial[0]);
}

// The k largest eigenvalues (decreasing) and their eigenvectors of the symmetric matrix G, whose
// lower triangle is read. Lanczos (Spectra) when k is small next to G's order: 0.06 s instead of
// 0.5 s for 50 of 784, and what makes an n x n Gram matrix of a few thousand rows affordable; the
// full dense solver otherwise, or if Lanczos does not converge.
inline void leading_eigenpairs(const Eigen::MatrixXd& G, int k, Eigen::VectorXd& values,
                               Eigen::MatrixXd& vectors) {
  const Eigen::Index order = G.rows();
  if (3 * static_cast<Eigen::Index>(k) < order) {
    Spectra::DenseSymMatProd<double> op(G);
    const int ncv = static_cast<int>(std::min<Eigen::Index>(order, 2 * k + 20));
    Spectra::SymEigsSolver<double, Spectra::LARGEST_ALGE, Spectra::DenseSymMatProd<double>> eigs(&op, k, ncv);
    eigs.init();  // Spectra's fixed-seed start vector: deterministic
    eigs.compute(10000, 1e-12, Spectra::LARGEST_ALGE);
    if (eigs.info() == Spectra::SUCCESSFUL) {
      values = eigs.eigenvalues();
      vectors = eigs.eigenvectors();
      return;
    }
  }
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(G, Eigen::ComputeEigenvectors);
  if (es.info() != Eigen::Success) throw Error("internal", "", "pca: eigendecomposition failed");
  values.resize(k);
  vectors.resize(order, k);
  for (int j = 0; j < k; ++j) {  // Eigen orders eigenvalues increasing
    values[j] = es.eigenvalues()[order - 1 - j];
    vectors.col(j) = es.eigenvectors().col(order - 1 - j);
  }
}

// The first k principal components of the dense matrix X (n x p) after centring by `center` and
// dividing by `scale` (entries must be non-zero).
template <class Exec>
PcaResult pca_gram(const Eigen::Ref<const Eigen::MatrixXd>& X, const Eigen::VectorXd& center,
                   const Eigen::VectorXd& scale, int k, const Exec& exec, Control& control) {
  const std::size_t n = X.rows(), p = X.cols();
  if (k < 1 || static_cast<std::size_t>(k) > std::min(n, p))
    throw Error("value", "k", "pca_gram: k must lie in [1, min(n, p)]");
  if (static_cast<std::size_t>(center.size()) != p || static_cast<std::size_t>(scale.size()) != p)
    throw Error("size", "center", "pca_gram: center and scale need one entry per column");
  const Eigen::VectorXd inv_scale = scale.cwiseInverse();
  const bool over_rows = p <= n;
  Eigen::MatrixXd G = standardised_gram(X, center, inv_scale, over_rows, exec, control);
  control.check();
  PcaResult out;
  Eigen::MatrixXd vecs;  // the k leading eigenvectors of G
  leading_eigenpairs(G, k, out.d, vecs);
  G.resize(0, 0);
  out.d = out.d.cwiseMax(0.0).cwiseSqrt();
  control.check();
  if (over_rows) {
    out.rotation = std::move(vecs);
    out.scores.resize(n, k);
    for_each_block(exec, n, 2048, [&](std::size_t, std::size_t s, std::size_t e) {
      Eigen::MatrixXd blk;
      detail::standardised_rows(X, center, inv_scale, s, e, blk);
      out.scores.middleRows(s, e - s).noalias() = blk * out.rotation;
    });
  } else {
    // v_j = Xs^T u_j / sigma_j; a zero singular value leaves its (arbitrary) direction at zero.
    out.scores = vecs * out.d.asDiagonal();
    out.rotation.resize(p, k);
    for_each_block(exec, p, 256, [&](std::size_t, std::size_t s, std::size_t e) {
      Eigen::MatrixXd blk;
      detail::standardised_cols(X, center, inv_scale, s, e, blk);
      out.rotation.middleRows(s, e - s).noalias() = blk.transpose() * vecs;
    });
    for (int j = 0; j < k; ++j) {
      if (out.d[j] > 0) out.rotation.col(j) /= out.d[j];
    }
  }
  return out;
}

}  // namespace nembed

#endif
