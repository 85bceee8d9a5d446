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

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/parallel.hpp"
#include "nembed/rng.hpp"

namespace nembed {

// The Lanczos set-up of one caller: when to solve densely, the solver's tolerance, restarts and
// Krylov size, and what to do with the trivial eigenpair. Two named set-ups exist today (below);
// they differ because Laplacian eigenmaps and spectral distances were tuned separately, and
// merging them would change results.
struct LanczosSetup {
  std::size_t dense_below;   // graphs with fewer vertices are solved densely
  std::size_t slack;         // ... and so are graphs with n <= 2 nev + slack
  double tol;                // Lanczos relative tolerance
  int max_restarts;
  int ncv_min, ncv_extra;    // Krylov size min(n, max(2 nev + 1, ncv_min, nev + ncv_extra))
  bool deflate_trivial;      // solve without the trivial pair (D^1/2 1) and do not return it
  bool seeded_start;         // random start vector from the seed (else Spectra's fixed one)
  bool dense_fallback;       // a Lanczos failure falls back to the dense solver
};

// Laplacian eigenmaps and spectral initialisation.
inline constexpr LanczosSetup eigenmap_lanczos{2000, 0, 1e-7, 3000, 20, 0, true, true, false};
// Spectral distances (per connected component; up to n_eigen + 1 pairs).
inline constexpr LanczosSetup spectral_distance_lanczos{1001, 20, 1e-10, 10000, 0, 40, false, false,
                                                        true};

struct Eigenpairs {
  bool ok = false;
  std::string reason;        // why ok is false
  Eigen::VectorXd values;    // eigenvalues of L, ascending
  Eigen::MatrixXd vectors;   // n x values.size() unit eigenvectors (columns)
  bool lanczos = false;      // solved by Lanczos (else dense)
  int iterations = 0;
};

namespace detail {

// y = (D^-1/2 W D^-1/2 [- v0 v0^T]) x, rows in parallel (each row sums in a fixed order).
template <class Exec>
class NormalisedAdjacencyOp {
 public:
  NormalisedAdjacencyOp(const CsrGraph& W, const Eigen::VectorXd& inv_sqrt_deg,
                        const Eigen::VectorXd* v0, const Exec& exec)
      : W_(W), isd_(inv_sqrt_deg), v0_(v0), exec_(exec) {}
  Eigen::Index rows() const { return static_cast<Eigen::Index>(W_.n); }
  Eigen::Index cols() const { return static_cast<Eigen::Index>(W_.n); }
  void perform_op(const double* x, double* y) const {
    const std::size_t n = W_.n;
    const double proj = v0_ ? v0_->dot(Eigen::Map<const Eigen::VectorXd>(x, n)) : 0.0;
    exec_.parallel_for(0, n, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        double acc = 0.0;
        for (std::size_t p = W_.ptr[r]; p < W_.ptr[r + 1]; ++p)
          acc += W_.val[p] * isd_[W_.idx[p]] * x[W_.idx[p]];
        y[r] = v0_ ? isd_[r] * acc - proj * (*v0_)[r] : isd_[r] * acc;
      }
    }, 1024);
  }

 private:
  const CsrGraph& W_;
  const Eigen::VectorXd& isd_;
  const Eigen::VectorXd* v0_;
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

// The one spectral routine: the `nev` smallest eigenpairs of L = I - D^-1/2 W D^-1/2 (nev = 0: all of
// them, densely), given W and D^-1/2 (`inv_sqrt_degree`), solved as `setup` says. With
// setup.deflate_trivial the trivial pair is excluded and `sqrt_degree` (D^1/2) is needed. The graph
// must be connected for the result to mean anything (callers check components).
template <class Exec>
Eigenpairs laplacian_eigenpairs(const CsrGraph& W, const Eigen::VectorXd& inv_sqrt_degree,
                                const Eigen::VectorXd& sqrt_degree, std::size_t nev,
                                const LanczosSetup& setup, std::uint64_t seed, const Exec& exec,
                                Control& control) {
  const std::size_t n = W.n;
  const Eigen::VectorXd& isd = inv_sqrt_degree;
  Eigenpairs out;
  if (nev > 0 && n >= setup.dense_below && 2 * nev + setup.slack < n) {
    out.lanczos = true;
    const Eigen::VectorXd v0 =
        setup.deflate_trivial ? Eigen::VectorXd(sqrt_degree / sqrt_degree.norm()) : Eigen::VectorXd();
    detail::NormalisedAdjacencyOp<Exec> op(W, isd, setup.deflate_trivial ? &v0 : nullptr, exec);
    const Eigen::Index k = static_cast<Eigen::Index>(nev);
    const Eigen::Index ncv = std::min<Eigen::Index>(
        static_cast<Eigen::Index>(n),
        std::max<Eigen::Index>({2 * k + 1, setup.ncv_min, k + setup.ncv_extra}));
    Spectra::SymEigsSolver<double, Spectra::LARGEST_ALGE, detail::NormalisedAdjacencyOp<Exec>> eigs(
        &op, k, ncv);
    if (setup.seeded_start) {
      Rng rng(seed, 0x1a91ace);
      Eigen::VectorXd start(n);
      for (std::size_t i = 0; i < n; ++i) start[i] = rng.uniform() - 0.5;
      eigs.init(start.data());
    } else {
      eigs.init();
    }
    eigs.compute(setup.max_restarts, setup.tol, Spectra::LARGEST_ALGE);
    out.iterations = static_cast<int>(eigs.num_iterations());
    control.check();
    if (eigs.info() == Spectra::SUCCESSFUL) {
      // Largest eigenvalues of the adjacency are the smallest of L, in increasing order.
      out.values = (1.0 - eigs.eigenvalues().array()).matrix();
      out.vectors = eigs.eigenvectors();
      out.ok = true;
      return out;
    }
    if (!setup.dense_fallback) {
      out.reason = "the Lanczos eigensolver did not converge";
      return out;
    }
    out.lanczos = false;  // the dense solver below always converges
  }
  Eigen::MatrixXd L = Eigen::MatrixXd::Identity(n, n);
  for (std::size_t r = 0; r < n; ++r)
    for (std::size_t p = W.ptr[r]; p < W.ptr[r + 1]; ++p)
      L(r, W.idx[p]) -= W.val[p] * isd[r] * isd[W.idx[p]];
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(L);
  if (es.info() != Eigen::Success) {
    out.reason = "the dense eigensolver failed";
    return out;
  }
  const std::size_t first = setup.deflate_trivial ? 1 : 0;
  const std::size_t keep = nev == 0 ? n - first : std::min(nev, n - first);
  out.values = es.eigenvalues().segment(first, keep);
  out.vectors = es.eigenvectors().middleCols(first, keep);
  out.ok = true;
  return out;
}

struct LaplacianParams {
  int n_components = 2;
  std::uint64_t seed = 1;  // Lanczos start vector
  LanczosSetup solver = eigenmap_lanczos;
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

// Bottom `par.n_components` non-trivial eigenpairs of the symmetric normalised Laplacian of W
// (Laplacian eigenmaps, spectral initialisation). A disconnected graph is reported, not solved.
template <class Exec>
LaplacianEigen laplacian_eigen(const CsrGraph& W, const LaplacianParams& par, const Exec& exec,
                               Control& control) {
  LaplacianEigen out;
  const std::size_t n = W.n;
  if (par.n_components < 1 || static_cast<std::size_t>(par.n_components) + 1 >= n) {
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
  Eigenpairs ep = laplacian_eigenpairs(W, isd, out.sqrt_degree,
                                       static_cast<std::size_t>(par.n_components), par.solver,
                                       par.seed, exec, control);
  out.solver = ep.lanczos ? "lanczos" : "dense";
  out.iterations = ep.iterations;
  if (!ep.ok) {
    out.reason = ep.reason;
    return out;
  }
  out.values = std::move(ep.values);
  out.vectors = std::move(ep.vectors);
  detail::fix_signs(out.vectors);
  out.ok = out.vectors.allFinite();
  if (!out.ok) out.reason = "the eigensolver returned non-finite values";
  return out;
}

}  // namespace nembed

#endif
