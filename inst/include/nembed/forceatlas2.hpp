// ForceAtlas2 (Jacomy, Venturini, Heymann & Bastian 2014, PLoS ONE) in two dimensions, following the
// reference implementation used by the attraction-repulsion spectrum paper (the `fa2` package,
// itself a port of Gephi's): no LinLog, no hub dissuasion, no size adjustment, edge weight
// influence 1.
//   attraction along each edge:  F_i -= w_ij (x_i - x_j)                      (linear in d)
//   repulsion between all pairs: F_i += k_r m_i m_j (x_i - x_j) / d^2        (m = degree + 1)
//     with Barnes-Hut: a quadtree cell is used as one body when d(x_i, centre of mass) * theta >
//     its size (twice the largest distance of its points from their centre of mass, as in Gephi);
//   gravity:                     F_i -= k_g m_i x_i / |x_i|                    (or k_g m_i x_i, strong)
//   adaptive speeds: global speed from the swinging/traction ratio, per-node factor
//     speed / (1 + sqrt(speed * swinging_i)).
// Every force is a per-point sum in a fixed order and the global sums are fixed-block reductions,
// so the layout is identical for any number of threads.
#ifndef NEMBED_FORCEATLAS2_HPP
#define NEMBED_FORCEATLAS2_HPP

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nembed/control.hpp"
#include "nembed/graph.hpp"
#include "nembed/parallel.hpp"

namespace nembed {

struct ForceAtlas2Params {
  // Forces: repulsion constant k_r, gravity k_g and its strong (linear) form.
  double scaling_ratio = 2.0;
  double gravity = 1.0;
  bool strong_gravity = false;
  double theta = 1.2;  // Barnes-Hut opening; <= 0: exact O(n^2) repulsion
  // Steps: the adaptive speed's tolerance to swinging, and the number of iterations.
  double jitter_tolerance = 1.0;
  int n_iter = 750;
};

namespace detail {

// Quadtree over 2-D points with masses; leaves hold up to kLeaf points.
class MassQuadtree {
 public:
  static constexpr std::size_t kLeaf = 8;
  struct Node {
    double mass = 0, cx = 0, cy = 0, size = 0;
    std::size_t begin = 0, end = 0;  // range in perm
    int child[4] = {-1, -1, -1, -1};
    bool leaf = true;
  };
  std::vector<Node> nodes;
  std::vector<std::size_t> perm;

  void build(const std::vector<double>& Y, const std::vector<double>& mass) {
    const std::size_t n = mass.size();
    Y_ = &Y;
    mass_ = &mass;
    perm.resize(n);
    for (std::size_t i = 0; i < n; ++i) perm[i] = i;
    nodes.clear();
    nodes.reserve(2 * n / kLeaf + 16);
    double x0 = std::numeric_limits<double>::infinity(), y0 = x0, x1 = -x0, y1 = -x0;
    for (std::size_t i = 0; i < n; ++i) {
      x0 = std::min(x0, Y[2 * i]);
      x1 = std::max(x1, Y[2 * i]);
      y0 = std::min(y0, Y[2 * i + 1]);
      y1 = std::max(y1, Y[2 * i + 1]);
    }
    const double half = 0.5 * std::max(x1 - x0, y1 - y0) + 1e-12;
    nodes.emplace_back();
    subdivide(0, 0, n, 0.5 * (x0 + x1), 0.5 * (y0 + y1), half, 0);
  }

 private:
  const std::vector<double>* Y_ = nullptr;
  const std::vector<double>* mass_ = nullptr;

  void subdivide(int id, std::size_t b, std::size_t e, double mx, double my, double half, int depth) {
    const std::vector<double>& Y = *Y_;
    const std::vector<double>& m = *mass_;
    double M = 0, cx = 0, cy = 0;
    for (std::size_t p = b; p < e; ++p) {
      const std::size_t i = perm[p];
      M += m[i];
      cx += m[i] * Y[2 * i];
      cy += m[i] * Y[2 * i + 1];
    }
    cx /= M;
    cy /= M;
    double r2 = 0;
    for (std::size_t p = b; p < e; ++p) {
      const std::size_t i = perm[p];
      const double dx = Y[2 * i] - cx, dy = Y[2 * i + 1] - cy;
      r2 = std::max(r2, dx * dx + dy * dy);
    }
    Node& nd = nodes[id];
    nd.mass = M;
    nd.cx = cx;
    nd.cy = cy;
    nd.size = 2.0 * std::sqrt(r2);
    nd.begin = b;
    nd.end = e;
    if (e - b <= kLeaf || depth > 48) return;
    nd.leaf = false;
    auto right = [&](std::size_t i) { return Y[2 * i] >= mx; };
    auto top = [&](std::size_t i) { return Y[2 * i + 1] >= my; };
    // Order: (left, bottom), (left, top), (right, bottom), (right, top).
    auto pm = std::partition(perm.begin() + b, perm.begin() + e, [&](std::size_t i) { return !right(i); });
    const std::size_t s2 = static_cast<std::size_t>(pm - perm.begin());
    const std::size_t s1 = static_cast<std::size_t>(
        std::partition(perm.begin() + b, perm.begin() + s2, [&](std::size_t i) { return !top(i); }) -
        perm.begin());
    const std::size_t s3 = static_cast<std::size_t>(
        std::partition(perm.begin() + s2, perm.begin() + e, [&](std::size_t i) { return !top(i); }) -
        perm.begin());
    const std::size_t bounds[5] = {b, s1, s2, s3, e};
    const double q = 0.5 * half;
    const double cxs[4] = {mx - q, mx - q, mx + q, mx + q}, cys[4] = {my - q, my + q, my - q, my + q};
    for (int c = 0; c < 4; ++c) {
      if (bounds[c + 1] == bounds[c]) continue;
      const int cid = static_cast<int>(nodes.size());
      nodes[id].child[c] = cid;
      nodes.emplace_back();
      subdivide(cid, bounds[c], bounds[c + 1], cxs[c], cys[c], q, depth + 1);
    }
  }
};

// Repulsion k_r m_i m_j (x_i - x_j) / d^2 on point i from all others (exactly, or from the quadtree's
// cells when theta > 0), added to (fx, fy). `stack` is the caller's scratch.
inline void fa2_repulsion(std::size_t i, const std::vector<double>& Y, const std::vector<double>& mass,
                          const MassQuadtree& tree, double kr, double theta, std::vector<int>& stack,
                          double& fx, double& fy) {
  const std::size_t n = mass.size();
  const double xi = Y[2 * i], yi = Y[2 * i + 1], mi = mass[i];
  auto body = [&](double bx, double by, double bm) {
    const double dx = xi - bx, dy = yi - by, d2 = dx * dx + dy * dy;
    if (d2 > 0) {
      const double f = kr * mi * bm / d2;
      fx += dx * f;
      fy += dy * f;
    }
  };
  if (theta > 0) {
    stack.assign(1, 0);
    while (!stack.empty()) {
      const auto& nd = tree.nodes[stack.back()];
      stack.pop_back();
      const double dx = xi - nd.cx, dy = yi - nd.cy;
      if (nd.end - nd.begin > 1 && std::sqrt(dx * dx + dy * dy) * theta > nd.size) {
        body(nd.cx, nd.cy, nd.mass);
      } else if (nd.leaf) {
        for (std::size_t p = nd.begin; p < nd.end; ++p) {
          const std::size_t j = tree.perm[p];
          if (j != i) body(Y[2 * j], Y[2 * j + 1], mass[j]);
        }
      } else {
        for (int c = 3; c >= 0; --c)
          if (nd.child[c] >= 0) stack.push_back(nd.child[c]);
      }
    }
  } else {
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) body(Y[2 * j], Y[2 * j + 1], mass[j]);
  }
}

// Gravity towards the origin, then the linear attraction -w_ij (x_i - x_j) along i's edges,
// subtracted from (fx, fy).
inline void fa2_gravity_attraction(std::size_t i, const std::vector<double>& Y,
                                   const std::vector<double>& mass, const CsrGraph& W,
                                   const ForceAtlas2Params& opt, double& fx, double& fy) {
  const double xi = Y[2 * i], yi = Y[2 * i + 1], mi = mass[i];
  const double dist = std::sqrt(xi * xi + yi * yi);
  if (opt.strong_gravity) {
    fx -= opt.scaling_ratio * opt.gravity * mi * xi;
    fy -= opt.scaling_ratio * opt.gravity * mi * yi;
  } else if (dist > 0) {
    const double g = opt.gravity * mi / dist;
    fx -= xi * g;
    fy -= yi * g;
  }
  for (std::size_t p = W.ptr[i]; p < W.ptr[i + 1]; ++p) {
    const std::size_t j = static_cast<std::size_t>(W.idx[p]);
    if (j == i) continue;
    fx -= W.val[p] * (xi - Y[2 * j]);
    fy -= W.val[p] * (yi - Y[2 * j + 1]);
  }
}

// Gephi's / fa2's adaptive global speed (adjustSpeedAndApplyForces) from this iteration's total
// swinging and traction.
struct Fa2Speed {
  double speed = 1.0;
  double efficiency = 1.0;
  void update(double total_swing, double total_trac, std::size_t n, double jitter_tolerance) {
    const double est_jt = 0.05 * std::sqrt(static_cast<double>(n));
    const double min_jt = std::sqrt(est_jt), max_jt = 10.0;
    double jt = jitter_tolerance *
                std::max(min_jt, std::min(max_jt, est_jt * total_trac / (static_cast<double>(n) * n)));
    const double min_speed_eff = 0.05;
    if (total_trac > 0 && total_swing / total_trac > 2.0) {
      if (efficiency > min_speed_eff) efficiency *= 0.5;
      jt = std::max(jt, jitter_tolerance);
    }
    const double target_speed = total_swing == 0 ? std::numeric_limits<double>::infinity()
                                                 : jt * efficiency * total_trac / total_swing;
    if (total_swing > jt * total_trac) {
      if (efficiency > min_speed_eff) efficiency *= 0.7;
    } else if (speed < 1000) {
      efficiency *= 1.3;
    }
    speed = speed + std::min(target_speed - speed, 0.5 * speed);
  }
};

struct SwingTraction {
  double swing = 0, traction = 0;
};

}  // namespace detail

// Runs ForceAtlas2 on Y (n x 2, row-major) for the symmetric weighted graph W.
template <class Exec>
void forceatlas2(std::vector<double>& Y, const CsrGraph& W, const ForceAtlas2Params& opt, const Exec& exec,
                 Control& control) {
  const std::size_t n = W.n;
  std::vector<double> mass(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t deg = 0;
    for (std::size_t p = W.ptr[i]; p < W.ptr[i + 1]; ++p) deg += (W.val[p] > 0 && W.idx[p] != static_cast<int>(i));
    mass[i] = 1.0 + static_cast<double>(deg);
  }
  std::vector<double> F(2 * n, 0.0), Fold(2 * n, 0.0);
  detail::Fa2Speed speed;
  detail::MassQuadtree tree;
  const int every = std::max(1, opt.n_iter / 10);
  auto swinging = [&](std::size_t i) {
    const double ax = Fold[2 * i] - F[2 * i], ay = Fold[2 * i + 1] - F[2 * i + 1];
    return mass[i] * std::sqrt(ax * ax + ay * ay);
  };
  for (int it = 0; it < opt.n_iter; ++it) {
    std::swap(F, Fold);
    if (opt.theta > 0) tree.build(Y, mass);
    exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
      std::vector<int> stack;
      for (std::size_t i = i0; i < i1; ++i) {
        double fx = 0, fy = 0;
        detail::fa2_repulsion(i, Y, mass, tree, opt.scaling_ratio, opt.theta, stack, fx, fy);
        detail::fa2_gravity_attraction(i, Y, mass, W, opt, fx, fy);
        F[2 * i] = fx;
        F[2 * i + 1] = fy;
      }
    }, 256);
    const detail::SwingTraction total = block_reduce(
        exec, n, 1024, detail::SwingTraction{},
        [&](std::size_t s, std::size_t e) {
          detail::SwingTraction st;
          for (std::size_t i = s; i < e; ++i) {
            const double bx = Fold[2 * i] + F[2 * i], by = Fold[2 * i + 1] + F[2 * i + 1];
            st.swing += swinging(i);
            st.traction += 0.5 * mass[i] * std::sqrt(bx * bx + by * by);
          }
          return st;
        },
        [](detail::SwingTraction a, const detail::SwingTraction& b) {
          a.swing += b.swing;
          a.traction += b.traction;
          return a;
        });
    speed.update(total.swing, total.traction, n, opt.jitter_tolerance);
    exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        const double factor = speed.speed / (1.0 + std::sqrt(speed.speed * swinging(i)));
        Y[2 * i] += F[2 * i] * factor;
        Y[2 * i + 1] += F[2 * i + 1] * factor;
      }
    }, 1024);
    control.check();
    if (control.verbose() && ((it + 1) % every == 0 || it + 1 == opt.n_iter))
      control.message("ForceAtlas2: iteration " + std::to_string(it + 1) + " / " +
                      std::to_string(opt.n_iter));
  }
}

}  // namespace nembed

#endif
