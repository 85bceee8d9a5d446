// A plain C++ program over the nembed core: includes every core header (all_headers.hpp, written by
// core-check.sh) without R, drives the core with SerialExecutor, and checks a few results against
// independent references (brute force, closed forms). Prints one line per check; exit status 1 if
// any check fails.
#include "all_headers.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using namespace nembed;

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
  std::printf("%s %s\n", ok ? "ok  " : "FAIL", what.c_str());
  if (!ok) ++failures;
}

// Dense n x n copy of a CSR graph.
std::vector<double> dense(const CsrGraph& g) {
  std::vector<double> A(g.n * g.n, 0.0);
  for (std::size_t r = 0; r < g.n; ++r)
    for (std::size_t p = g.ptr[r]; p < g.ptr[r + 1]; ++p) A[r * g.n + g.idx[p]] += g.val[p];
  return A;
}

// symmetrize() against the dense definition, for every combine rule.
void check_symmetrize() {
  const std::size_t n = 40, k = 6;
  Rng rng(7);
  std::vector<int> nbr(n * k);
  std::vector<double> w(n * k);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) {
      int c;
      bool repeat;
      do {  // distinct neighbours other than i, as a kNN graph has
        c = static_cast<int>(rng.uniform() * n);
        repeat = static_cast<std::size_t>(c) == i;
        for (std::size_t q = 0; q < j; ++q) repeat = repeat || nbr[i * k + q] == c;
      } while (repeat);
      nbr[i * k + j] = c;
      w[i * k + j] = 0.05 + 0.9 * rng.uniform();
    }
  std::vector<double> D(n * n, 0.0);  // directed weights
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < k; ++j) D[i * n + nbr[i * k + j]] = w[i * k + j];
  const CombineRule rules[] = {{Combine::sum, 0.5}, {Combine::fuzzy_union, 1.0, 0.7},
                               {Combine::max}, {Combine::binary}};
  const char* names[] = {"sum", "fuzzy_union", "max", "binary"};
  for (int r = 0; r < 4; ++r) {
    const std::vector<double> A = dense(symmetrize(n, k, nbr, w, rules[r], SerialExecutor()));
    double err = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        const double f = D[i * n + j], b = D[j * n + i];
        double want = 0.0;
        if (f > 0 || b > 0) {
          switch (r) {
            case 0: want = 0.5 * (f + b); break;
            case 1: want = 0.7 * (f + b - f * b) + 0.3 * f * b; break;
            case 2: want = std::max(f, b); break;
            default: want = 1.0;
          }
        }
        err = std::max(err, std::fabs(A[i * n + j] - want));
      }
    check(err < 1e-14, std::string("symmetrize(") + names[r] + ") equals its dense definition");
  }
}

// Components of a graph made of a path, a triangle and an isolated vertex (labels by first vertex).
void check_components() {
  CsrGraph g;
  g.n = 7;
  const std::vector<std::vector<int>> adj = {{1}, {0, 2}, {1}, {5, 6}, {}, {3, 6}, {3, 5}};
  g.ptr.assign(1, 0);
  for (const auto& row : adj) {
    for (int c : row) {
      g.idx.push_back(c);
      g.val.push_back(1.0);
    }
    g.ptr.push_back(g.idx.size());
  }
  const Components c = connected_components(g);
  check(c.count == 3 && c.label == std::vector<int>({0, 0, 0, 1, 2, 1, 1}),
        "connected_components on a path, a triangle and an isolated vertex");
}

// Laplacian eigenmaps on a ring of n vertices: eigenvalues of L are 1 - cos(2 pi j / n).
void check_ring_spectrum() {
  const std::size_t n = 24;
  CsrGraph g;
  g.n = n;
  g.ptr.assign(1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    g.idx.push_back(static_cast<int>((i + n - 1) % n));
    g.idx.push_back(static_cast<int>((i + 1) % n));
    g.val.insert(g.val.end(), {1.0, 1.0});
    g.ptr.push_back(g.idx.size());
  }
  LaplacianParams par;
  par.n_components = 2;
  const LaplacianEigen le = laplacian_eigen(g, par, SerialExecutor(), null_control());
  const double want = 1.0 - std::cos(2.0 * M_PI / static_cast<double>(n));
  check(le.ok && std::fabs(le.values[0] - want) < 1e-12 && std::fabs(le.values[1] - want) < 1e-12,
        "laplacian_eigen on a ring matches 1 - cos(2 pi / n)");
}

// Two well-separated Gaussian clusters in 5-D: tiny t-SNE (exact repulsion) and a UMAP graph.
void check_tsne_and_umap_graph() {
  const std::size_t n = 60, p = 5, k = 15;
  Rng rng(3);
  Eigen::MatrixXd X(p, n);  // points as columns
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t d = 0; d < p; ++d) X(d, i) = (i < n / 2 ? 0.0 : 20.0) + rng.normal();
  const SerialExecutor exec;
  const KnnResult nn = exact_knn(X, k, Metric::euclidean, exec, null_control());
  bool knn_ok = true;  // brute-force nearest neighbour of each point
  for (std::size_t i = 0; i < n; ++i) {
    double best = 1e300;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) best = std::min(best, (X.col(i) - X.col(j)).norm());
    knn_ok = knn_ok && std::fabs(nn.dist[i * k] - best) < 1e-9;
  }
  check(knn_ok, "exact_knn finds the brute-force nearest neighbour");

  const PerplexityResult pr = perplexity_calibrate(n, k, nn.dist, {5.0}, 1e-5, 200, exec);
  bool perp_ok = true;
  for (std::size_t i = 0; i < n; ++i) perp_ok = perp_ok && std::fabs(pr.entropy[i] - std::log(5.0)) < 1e-4;
  check(perp_ok, "perplexity_calibrate reaches entropy log(perplexity)");
  const CsrGraph P = symmetrize(n, k, nn.idx, pr.p, CombineRule{Combine::sum, 0.5 / n}, exec);
  std::vector<int> Pp(P.ptr.begin(), P.ptr.end());
  SparseP SP = make_sparse_p(n, Pp.data(), P.idx.data(), P.val.data());
  std::vector<double> Y0(2 * n);
  for (double& y : Y0) y = 1e-4 * rng.normal();
  TsneParams tp;
  tp.repulsion = RepulsionMethod::exact;
  tp.n_iter = 300;
  tp.early_iter = 100;
  TsneOptimizer<2> opt(std::move(SP), Y0, tp, exec);
  const TsneTrace tr = opt.run(exec, null_control());
  const std::vector<double> Y = opt.Y();
  std::size_t same = 0;  // 1-nearest-neighbour in the embedding from the same cluster
  for (std::size_t i = 0; i < n; ++i) {
    double best = 1e300;
    std::size_t arg = 0;
    for (std::size_t j = 0; j < n; ++j) {
      if (j == i) continue;
      const double dx = Y[2 * i] - Y[2 * j], dy = Y[2 * i + 1] - Y[2 * j + 1];
      if (dx * dx + dy * dy < best) {
        best = dx * dx + dy * dy;
        arg = j;
      }
    }
    same += (i < n / 2) == (arg < n / 2);
  }
  check(same == n && !tr.kl.empty() && std::isfinite(tr.kl.back()) && tr.kl.back() < tr.kl.front(),
        "t-SNE keeps the two clusters apart and lowers the KL divergence");

  const UmapCalibration uc = umap_calibrate(n, k, nn.dist, exec);
  const CsrGraph U = symmetrize(n, k, nn.idx, uc.v, CombineRule{Combine::fuzzy_union}, exec);
  const std::vector<double> A = dense(U);
  bool sym = true, cross = false;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      sym = sym && A[i * n + j] == A[j * n + i] && A[i * n + j] <= 1.0;
      cross = cross || (A[i * n + j] > 0 && (i < n / 2) != (j < n / 2));
    }
  check(sym && !cross && connected_components(U).count == 2,
        "UMAP graph: symmetric memberships <= 1, two components, no edge across the clusters");
}

void check_error_format() {
  try {
    enum_from_name(metric_names, "manhattan", "metric");
    check(false, "enum_from_name rejects an unknown name");
  } catch (const Error& e) {
    const std::string w = e.what();
    check(w.rfind("nembed[value|metric] ", 0) == 0 && e.kind() == "value" && e.arg() == "metric",
          "nembed::Error reads nembed[<kind>|<arg>] <message>");
  }
}

}  // namespace

int main() {
  check_symmetrize();
  check_components();
  check_ring_spectrum();
  check_tsne_and_umap_graph();
  check_error_format();
  std::printf("%s: %d check(s) failed\n", failures ? "FAILED" : "passed", failures);
  return failures ? 1 : 0;
}
