// Bottom eigenvectors of the symmetric normalised graph Laplacian L = I - D^-1/2 W D^-1/2 of a
// sparse symmetric weight matrix: Laplacian eigenmaps and the spectral initialisation of UMAP and
// t-SNE.
//
// Small graphs are solved densely (Eigen's self-adjoint solver, exact to rounding). Large graphs use
// Spectra's Lanczos solver for the *largest* eigenvalues of the deflated normalised adjacency
// B = D^-1/2 W D^-1/2 - v0 v0^T, where v0 = D^1/2 1 / ||D^1/2 1|| is the known trivial eigenvector:
// the bottom eigenvalues of L are 1 minus the top ones of B, and removing v0 means Lanczos spends no
// effort on the trivial pair. (Shift-invert would converge in fewer iterations but needs a sparse
// factorisation of L, which costs far more than the ~1,000 cheap parallel products Lanczos needs on
// a kNN graph of 70,000 points.)
//
// The bottom eigenvalue 0 has one eigenvector per connected component, so on a disconnected graph the
// "non-trivial" eigenvectors are component indicators: the solver reports the number of components
// instead, and callers fall back to another layout.
#ifndef NEMBED_LAPLACIAN_HPP
#define NEMBED_LAPLACIAN_HPP

#include <Eigen/Dense>
#include <Spectra/SymEigsSolver.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "nembed/graph.hpp"
#include "nembed/control.hpp"
#include "nembed/parallel.hpp"
#include "nembed/rng.hpp"

namespace nembed {

struct LaplacianParams {
  int n_components = 2;
  std::uint64_t seed = 1;           // Lanczos start vector
  std::size_t dense_limit = 2000;   // graphs with fewer vertices are solved densely
  double tol = 1e-7;                // Lanczos relative tolerance
  int max_restarts = 3000;
};

struct LaplacianEigen {
  bool ok = false;
  std::string reason;          // why ok is false
  std::size_t n_graph_components = 0;
  Eigen::VectorXd values;      // eigenvalues of L, ascending, trivial one excluded
  Eigen::MatrixXd vectors;     // n x n_components unit eigenvectors of L (columns)
  Eigen::VectorXd sqrt_degree; // D^1/2 diagonal, to turn v into the generalised y = D^-1/2 v
  std::string solver;          // "dense" or "lanczos"
  int iterations = 0;
};

namespace detail {

// y = (D^-1/2 W D^-1/2 - v0 v0^T) x, rows in parallel (each row sums in a fixed order).
template <class Exec>
class DeflatedAdjacencyOp {
 public:
  DeflatedAdjacencyOp(const CsrGraph& W, const Eigen::VectorXd& inv_sqrt_deg,
                      const Eigen::VectorXd& v0, const Exec& exec)
      : W_(W), isd_(inv_sqrt_deg), v0_(v0), exec_(exec) {}
  Eigen::Index rows() const { return static_cast<Eigen::Index>(W_.n); }
  Eigen::Index cols() const { return static_cast<Eigen::Index>(W_.n); }
  void perform_op(const double* x, double* y) const {
    const std::size_t n = W_.n;
    Eigen::Map<const Eigen::VectorXd> xv(x, n);
    const double proj = v0_.dot(xv);
    exec_.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        double acc = 0.0;
        for (std::size_t p = W_.ptr[r]; p < W_.ptr[r + 1]; ++p)
          acc += W_.val[p] * isd_[W_.idx[p]] * x[W_.idx[p]];
        y[r] = isd_[r] * acc - proj * v0_[r];
      }
    }, 1024);
  }

 private:
  const CsrGraph& W_;
  const Eigen::VectorXd& isd_;
  const Eigen::VectorXd& v0_;
  const Exec& exec_;
};

// Sign convention for reproducible output: the entry of largest magnitude is positive.
inline void fix_signs(Eigen::MatrixXd& V) {
  for (Eigen::Index j = 0; j < V.cols(); ++j) {
    Eigen::Index imax = 0;
    V.col(j).cwiseAbs().maxCoeff(&imax);
    if (V(imax, j) < 0) V.col(j) *= -1.0;
  }
}

}  // namespace detail

// Bottom `par.n_components` non-trivial eigenpairs of the symmetric normalised Laplacian of W.
template <class Exec>
LaplacianEigen laplacian_eigen(const CsrGraph& W, const LaplacianParams& par, const Exec& exec,
                               Control& control) {
  const int n_components = par.n_components;
  LaplacianEigen out;
  const std::size_t n = W.n;
  if (n_components < 1 || static_cast<std::size_t>(n_components) + 1 >= n) {
    out.reason = "too few points for the requested number of components";
    return out;
  }
  out.n_graph_components = static_cast<std::size_t>(connected_components(W).count);
  if (out.n_graph_components > 1) {
    out.reason = "the graph has " + std::to_string(out.n_graph_components) + " connected components";
    return out;
  }
  Eigen::VectorXd deg = Eigen::VectorXd::Zero(n);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t p = W.ptr[r]; p < W.ptr[r + 1]; ++p) deg[r] += W.val[p];
  out.sqrt_degree = deg.cwiseSqrt();
  const Eigen::VectorXd isd = out.sqrt_degree.cwiseInverse();
  control.check();

  if (n < par.dense_limit) {
    out.solver = "dense";
    Eigen::MatrixXd L = Eigen::MatrixXd::Identity(n, n);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t p = W.ptr[r]; p < W.ptr[r + 1]; ++p)
        L(r, W.idx[p]) -= W.val[p] * isd[r] * isd[W.idx[p]];
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(L);
    if (es.info() != Eigen::Success) {
      out.reason = "the dense eigensolver failed";
      return out;
    }
    out.values = es.eigenvalues().segment(1, n_components);
    out.vectors = es.eigenvectors().middleCols(1, n_components);
  } else {
    out.solver = "lanczos";
    const Eigen::VectorXd v0 = out.sqrt_degree / out.sqrt_degree.norm();
    detail::DeflatedAdjacencyOp<Exec> op(W, isd, v0, exec);
    const Eigen::Index nev = n_components;
    const Eigen::Index ncv = std::min<Eigen::Index>(static_cast<Eigen::Index>(n),
                                                    std::max<Eigen::Index>(2 * nev + 1, 20));
    Spectra::SymEigsSolver<double, Spectra::LARGEST_ALGE, detail::DeflatedAdjacencyOp<Exec>> eigs(
        &op, nev, ncv);
    Rng rng(par.seed, 0x1a91ace);
    Eigen::VectorXd start(n);
    for (std::size_t i = 0; i < n; ++i) start[i] = rng.uniform() - 0.5;
    eigs.init(start.data());
    eigs.compute(par.max_restarts, par.tol, Spectra::LARGEST_ALGE);
    out.iterations = static_cast<int>(eigs.num_iterations());
    control.check();
    if (eigs.info() != Spectra::SUCCESSFUL) {
      out.reason = "the Lanczos eigensolver did not converge";
      return out;
    }
    out.values = (1.0 - eigs.eigenvalues().array()).matrix();
    out.vectors = eigs.eigenvectors();
  }
  detail::fix_signs(out.vectors);
  out.ok = out.vectors.allFinite();
  if (!out.ok) out.reason = "the eigensolver returned non-finite values";
  return out;
}

}  // namespace nembed

#endif
