// Spectral distances on the symmetric kNN graph: corrected and uncorrected effective resistance,
// diffusion distance and Laplacian-eigenmap distance (Damrich, Berens & Kobak, NeurIPS 2024;
// ALGORITHMS.md section 8.2).
//
// All four are squared Euclidean distances between the rows of one spectral embedding
//     E(i, k) = psi_k(i) * sqrt(f(lambda_k)),   psi_k = D^-1/2 u_k,   k >= 2,
// where (lambda_k, u_k) are the eigenpairs of the symmetric normalised Laplacian
// L_sym = I - D^-1/2 A D^-1/2 of one connected component, and f is
//     corrected effective resistance   (1 - lambda)^2 / lambda
//     effective resistance             1 / lambda      (equal to the L = D - A pseudo-inverse form,
//                                                       because psi_1 is constant on a component)
//     diffusion distance (squared)     vol(G) * (1 - lambda)^(2t)
//     Laplacian eigenmap (squared)     1 on the first n_eigen non-trivial pairs, 0 after.
// Effective resistances are returned as they are (they are squared distances by definition);
// diffusion and eigenmap distances as the square root.
//
// Per component only the smallest eigenpair is dropped: a connected component has exactly one zero
// eigenvalue, so no threshold on "numerically zero" is needed. lambda = 2 (a bipartite component)
// is harmless: f stays finite ((1-2)^2/2 = 1/2, 1/2, vol * 1), it only means that diffusion does not
// damp that mode.
//
// vol(G) is the volume of the whole graph, also on a disconnected one, as in the reference
// (eff-ph `get_diffusion_dist`: sqrt(vol G) * ||(e_i - e_j)^T P^t D^-1/2||, P = D^-1 A, which is
// block diagonal over the components). A per-component volume would scale each component's
// distances by its own factor sqrt(vol_c / vol G) and distort the relative lifetimes of loops in
// different components.
#ifndef NEMBED_SPECTRAL_DISTANCES_HPP
#define NEMBED_SPECTRAL_DISTANCES_HPP

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/laplacian.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

enum class SpectralMethod { effective_resistance, diffusion, laplacian_eigenmap };
inline constexpr std::pair<const char*, SpectralMethod> spectral_method_names[] = {
    {"effective_resistance", SpectralMethod::effective_resistance},
    {"diffusion", SpectralMethod::diffusion},
    {"laplacian_eigenmap", SpectralMethod::laplacian_eigenmap}};

struct SpectralParams {
  SpectralMethod method = SpectralMethod::effective_resistance;
  bool corrected = true;
  double t = 8;  // diffusion time (random-walk steps)
  // Number of non-trivial eigenpairs per component; 0 = all of them (exact). For the eigenmap it is
  // the embedding dimension and must be > 0.
  int n_eigen = 0;
  // With n_eigen > 0, components larger than this are solved by Lanczos (Spectra) for the smallest
  // eigenpairs only; smaller ones by the dense solver (then truncated), which is as fast there.
  std::size_t sparse_min_size = 1000;
  // Conductances 1 / distance on the kNN graph's edges instead of binary weights.
  bool weighted = false;
};

// Union-symmetrised kNN graph from row-major n x k neighbour indices (0-based, self excluded).
// Binary weights, or with `weighted` conductances 1/distance, as in the paper's weighted variant;
// a zero distance (duplicate points) is floored at 1e-8 times the median positive distance so the
// conductance stays finite. An edge found from both ends keeps the larger weight (A = max(A, A^T);
// for exact neighbours both copies carry the same distance).
template <class Exec>
CsrGraph spectral_knn_graph(const std::vector<int>& nbr, const std::vector<double>& dist,
                            std::size_t n, std::size_t k, bool weighted, const Exec& exec) {
  for (int nb : nbr)
    if (nb < 0 || static_cast<std::size_t>(nb) >= n)
      throw Error("value", "idx", "neighbour index out of range");
  double floor_d = 0;
  if (weighted) {
    std::vector<double> pos;
    pos.reserve(dist.size());
    for (double d : dist)
      if (d > 0) pos.push_back(d);
    if (!pos.empty()) {
      std::nth_element(pos.begin(), pos.begin() + pos.size() / 2, pos.end());
      floor_d = 1e-8 * pos[pos.size() / 2];
    }
    if (floor_d <= 0) floor_d = 1e-300;
  }
  std::vector<double> w(n * k, 1.0);
  if (weighted)
    for (std::size_t e = 0; e < n * k; ++e) w[e] = 1.0 / std::max(dist[e], floor_d);
  return symmetrize(n, k, nbr, w, CombineRule{Combine::max}, exec);
}

// Position of pair (i, j), i != j, in R's `dist` vector (column-wise lower triangle).
inline std::size_t dist_index(std::size_t n, std::size_t i, std::size_t j) {
  if (i < j) std::swap(i, j);
  return n * j - j * (j + 1) / 2 + (i - j - 1);
}

namespace detail {

// Step 1, components: one connected component's subgraph in local numbering, with its degrees and
// its weights already normalised as a_ij / sqrt(d_i d_j) (the normalisation this distance has always
// used; laplacian_eigenpairs then gets D^-1/2 = 1).
struct ComponentGraph {
  CsrGraph normalised;
  std::vector<double> degree;
};

inline ComponentGraph component_graph(const CsrGraph& g, const std::vector<int>& V,
                                      std::vector<int>& local) {
  const std::size_t m = V.size();
  for (std::size_t a = 0; a < m; ++a) local[V[a]] = static_cast<int>(a);
  ComponentGraph c;
  CsrGraph& N = c.normalised;
  N.n = m;
  c.degree.assign(m, 0.0);
  N.ptr.assign(m + 1, 0);
  for (std::size_t a = 0; a < m; ++a) {
    const int v = V[a];
    for (std::size_t e = g.ptr[v]; e < g.ptr[v + 1]; ++e) c.degree[a] += g.val[e];
    N.ptr[a + 1] = N.ptr[a] + (g.ptr[v + 1] - g.ptr[v]);
  }
  N.idx.resize(N.ptr[m]);
  N.val.resize(N.ptr[m]);
  for (std::size_t a = 0; a < m; ++a) {
    const int v = V[a];
    std::size_t o = N.ptr[a];
    for (std::size_t e = g.ptr[v]; e < g.ptr[v + 1]; ++e, ++o) {
      const int b = local[g.idx[e]];
      N.idx[o] = b;
      N.val[o] = g.val[e] / std::sqrt(c.degree[a] * c.degree[b]);
    }
  }
  return c;
}

// Step 3, assembly: sqrt(f(lambda_k)) for the non-trivial eigenvalues values(1..).
inline Eigen::VectorXd spectral_scales(const Eigen::VectorXd& values, const SpectralParams& par,
                                       double vol_graph) {
  const Eigen::Index r = values.size() - 1;
  Eigen::VectorXd scale(r);
  for (Eigen::Index k = 0; k < r; ++k) {
    const double lam = values(k + 1);
    double f = 0;
    switch (par.method) {
      case SpectralMethod::effective_resistance:
        // lambda_2 > 0 on a connected component; guard only against round-off below zero.
        f = par.corrected ? (1 - lam) * (1 - lam) / std::max(lam, 1e-300) : 1 / std::max(lam, 1e-300);
        break;
      case SpectralMethod::diffusion:
        f = vol_graph * std::pow(std::abs(1 - lam), 2 * par.t);
        break;
      case SpectralMethod::laplacian_eigenmap:
        f = 1;
        break;
    }
    scale(k) = std::sqrt(f);
  }
  return scale;
}

// Writes the pairwise distances between the rows of E (points V of one component) into `out`.
// Row block [b, e) against rows [0, e): a Gram block, then |x|^2 + |y|^2 - 2 x.y. Blocks are
// processed in batches so an interrupt is seen between them.
template <class Exec>
void write_component_distances(const Eigen::MatrixXd& E, const std::vector<int>& V, std::size_t n,
                               bool take_sqrt, const Exec& exec, Control& control, double* out) {
  const std::size_t m = V.size();
  const Eigen::VectorXd sqnorm = E.rowwise().squaredNorm();
  const std::size_t block = 64;
  const std::size_t nb = n_blocks(m, block);
  const std::size_t batch = std::max<std::size_t>(1, 4 * static_cast<std::size_t>(exec.n_threads()));
  for (std::size_t b0 = 0; b0 < nb; b0 += batch) {
    const std::size_t b1 = std::min(nb, b0 + batch);
    exec.parallel_for(b0, b1, [&](std::size_t bb, std::size_t be) {
      Eigen::MatrixXd G;
      for (std::size_t blk = bb; blk < be; ++blk) {
        const std::size_t rs = blk * block, re = std::min(m, rs + block);
        G.noalias() = E.middleRows(rs, re - rs) * E.topRows(re).transpose();
        for (std::size_t a = rs; a < re; ++a)
          for (std::size_t q = 0; q < a; ++q) {
            double d2 = sqnorm(a) + sqnorm(q) - 2 * G(a - rs, q);
            if (d2 < 0) d2 = 0;
            out[dist_index(n, V[a], V[q])] = take_sqrt ? std::sqrt(d2) : d2;
          }
      }
    }, 1);
    control.check();
  }
}

}  // namespace detail

struct SpectralInfo {
  int n_components = 1;
  std::vector<int> component;      // label per point
  double cross_value = 0;          // value given to pairs in different components (0 if none)
  bool truncated = false;          // some component used only part of its spectrum
  bool lanczos = false;            // some component was solved by Lanczos
  double min_nontrivial_eigenvalue = std::numeric_limits<double>::infinity();
  double max_eigenvalue = 0;
};

// Writes the n(n-1)/2 spectral distances of graph g into `out`, in R's `dist` order.
template <class Exec>
SpectralInfo spectral_distances(const CsrGraph& g, const SpectralParams& par, const Exec& exec,
                                Control& control, double* out) {
  const std::size_t n = g.n;
  SpectralInfo info;
  {
    Components comp = connected_components(g);
    info.n_components = comp.count;
    info.component = std::move(comp.label);
  }
  const std::size_t n_pairs = n * (n - 1) / 2;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (info.n_components > 1) {
    exec.parallel_for(0, n_pairs, [&](std::size_t b, std::size_t e) {
      std::fill(out + b, out + e, nan);
    }, 1 << 16);
  }
  if (par.method == SpectralMethod::laplacian_eigenmap && par.n_eigen <= 0)
    throw Error("value", "n_eigen", "the Laplacian eigenmap distance needs n_eigen > 0");

  std::vector<std::vector<int>> members(info.n_components);
  for (std::size_t i = 0; i < n; ++i) members[info.component[i]].push_back(static_cast<int>(i));

  // The whole graph's volume (sum of all degrees): the diffusion distance's scale.
  const double vol_graph = std::accumulate(g.val.begin(), g.val.end(), 0.0);

  LanczosSetup solver = spectral_distance_lanczos;
  solver.dense_below = par.sparse_min_size + 1;
  std::vector<int> local(n, -1);
  for (int c = 0; c < info.n_components; ++c) {
    const std::vector<int>& V = members[c];
    const std::size_t m = V.size();
    if (m < 2) continue;
    const detail::ComponentGraph cg = detail::component_graph(g, V, local);

    // Step 2, spectrum: the trivial pair plus n_eigen non-trivial ones (or all).
    std::size_t n_keep = 0;
    if (par.n_eigen > 0 && static_cast<std::size_t>(par.n_eigen) + 1 < m)
      n_keep = static_cast<std::size_t>(par.n_eigen) + 1;
    if (n_keep > 0) info.truncated = true;
    if (control.verbose())
      control.message("spectral distances: component of " + std::to_string(m) + " points, " +
                       (n_keep ? std::to_string(n_keep - 1) : std::string("all")) +
                       " non-trivial eigenpairs");
    const Eigen::VectorXd ones = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(m));
    Eigenpairs ep =
        laplacian_eigenpairs(cg.normalised, ones, ones, n_keep, solver, 0, exec, control);
    if (!ep.ok) throw Error("internal", "", "eigendecomposition failed");
    info.lanczos = info.lanczos || ep.lanczos;
    control.check();

    const Eigen::Index r = ep.values.size() - 1;  // non-trivial pairs
    if (r < 1) continue;
    info.min_nontrivial_eigenvalue = std::min(info.min_nontrivial_eigenvalue, ep.values(1));
    info.max_eigenvalue = std::max(info.max_eigenvalue, ep.values(ep.values.size() - 1));
    const Eigen::VectorXd scale = detail::spectral_scales(ep.values, par, vol_graph);
    // Step 3, assembly: E = D^-1/2 U diag(sqrt f), one row per point of the component.
    Eigen::MatrixXd E(m, r);
    exec.parallel_for(0, m, [&](std::size_t b, std::size_t e) {
      for (std::size_t a = b; a < e; ++a) {
        const double s = 1 / std::sqrt(cg.degree[a]);
        for (Eigen::Index k = 0; k < r; ++k) E(a, k) = ep.vectors(a, k + 1) * s * scale(k);
      }
    }, 64);
    ep = Eigenpairs();
    detail::write_component_distances(E, V, n, par.method != SpectralMethod::effective_resistance,
                                      exec, control, out);
  }

  if (info.n_components > 1) {
    // Max over the finite (within-component) entries.
    const double ninf = -std::numeric_limits<double>::infinity();
    const double mx = block_reduce(exec, n_pairs, std::size_t(1) << 16, ninf,
                                   [&](std::size_t s, std::size_t e) {
                                     double m = ninf;
                                     for (std::size_t p = s; p < e; ++p)
                                       if (!std::isnan(out[p]) && out[p] > m) m = out[p];
                                     return m;
                                   },
                                   [](double a, double b) { return std::max(a, b); });
    // All components tiny or all distances zero: fall back to 1 so cross pairs are still the largest.
    info.cross_value = (std::isfinite(mx) && mx > 0) ? 2 * mx : 1.0;
    const double cv = info.cross_value;
    exec.parallel_for(0, n_pairs, [&](std::size_t b, std::size_t e) {
      for (std::size_t p = b; p < e; ++p)
        if (std::isnan(out[p])) out[p] = cv;
    }, 1 << 16);
  }
  return info;
}

}  // namespace nembed

#endif
