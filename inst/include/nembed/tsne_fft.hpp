// FFT-accelerated interpolation for the t-SNE repulsion (Linderman et al. 2019, FIt-SNE), in 1-D
// and 2-D, for any kernel degree of freedom.
//
// The embedding's bounding box is cut into n_boxes intervals per dimension with n_interp
// equispaced Lagrange nodes per interval, so all nodes form one equispaced grid. The charge 1 is
// spread from points to the nodes of their box, convolved with the kernels on the grid by FFT
// (FFTW in double precision, zero-padded circulant embedding), and interpolated back.
//
// Where this differs from FIt-SNE: FIt-SNE convolves the scalar kernel K1 = t^(dof+1) with the
// charges [1, y_1, .., y_D] and takes the forces as y_i phi_1 - phi_y (D + 1 forward and D + 1
// inverse transforms). Here the vector kernels G_c(u) = u_c K1(u) are convolved with the charge 1,
// so the potentials are the forces themselves: one forward transform and D inverse ones (3
// instead of 6 in 2-D), one charge to spread instead of D + 1. G_c varies faster than K1, so the
// same accuracy needs a finer grid: at intervals_per_unit = 1.25 (the default) the relative error
// against the exact sum is 0.49-0.95x FIt-SNE's own at its 1 interval per unit on clustered
// layouts of extent 50-1,000 (tests/testthat/helper-fft.R, bench/fft-accuracy.R): 1.42x the nodes
// in 2-D for half the transforms. Both kernels' spectra are exact up to the grid; only the interpolation
// error differs. K2 = t^dof with the charge 1 gives Z, as in FIt-SNE, and needs no inverse
// transform: gathering interpolates with the weights that spread, so sum_i phi_Z(y_i) = sum over
// nodes of charge x potential, which Parseval's identity gives from the charge's spectrum and K2's.
// Spreading is parallel over box rows (the points are counting-sorted by box row, and a box row
// writes only its own grid rows), so the result does not depend on the number of threads.
//
// Grid: n_boxes = ceil(1.1 * extent * intervals_per_unit), at least min_intervals, rounded up to
// an FFT-friendly size, so a box is never wider than 1 / intervals_per_unit, at any extent up to
// max_intervals boxes (FIt-SNE has no cap; see FftParams). The transforms' length is then padded
// to a fast one (fft_padded_length), and the grid takes as many boxes as that length holds
// (finer boxes for free; the plans then depend on the length only and are cached). The kernels'
// spectra are kept while the embedding stays inside the grid and fills most of it. K2 is even and each G_c odd, so their
// spectra are real and imaginary: each is stored as one real array, pre-divided by the transform
// length.
//
// Near/far split (2-D; not in FIt-SNE): the grid must resolve the kernels near 0, where they
// vary on the scale of 1 unit, so a sparse layout of 10,000 points spanning 180 units needs
// 670 nodes per dimension, 45 per point. With a near radius R (near_radius * sqrt(dof)), the
// kernels are split as K = K S + K (1 - S) with the smooth weight S of tsne_near.hpp (1 at 0,
// 0 beyond R): the pairs closer than R are summed directly with K S (near_field()), and the grid
// interpolates only K (1 - S), which vanishes near 0 and is smooth on the scale of R, on boxes
// kFarBoxPerRadius R wide (at intervals_per_unit = 1.25) instead of 0.8. On t-SNE layouts of
// Fashion-MNIST at 10,000 points this is more accurate than the plain grid (relative error of
// the repulsion 0.51x at dof = 1, 0.78x at dof = 0.5, R = 4) with 1/9 of the nodes. The near
// field's cost grows with the points' density, so each new grid takes the split only where an
// estimate of its cost (its candidate pairs, counted from the points per cell, and the
// transforms' L^2 log2 L) is below the plain grid's, at R or kNearRadiusSmall R, whichever is
// cheaper: at 10,000 points from an extent of about 90 on (the smaller radius up to about 140),
// at 70,000 points late in the run at the smaller radius. The choice depends on the layout
// only, so results still do not depend on the number of threads.
#ifndef NEMBED_TSNE_FFT_HPP
#define NEMBED_TSNE_FFT_HPP

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <initializer_list>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"
#include "nembed/tsne_near.hpp"

namespace nembed {

struct FftParams {
  int n_interp = 3;            // Lagrange nodes per interval
  int min_intervals = 50;      // per dimension
  double intervals_per_unit = 1.25;
  // Upper bound on the intervals per dimension in 2-D. Memory is about 112 bytes per squared grid
  // node (at the padded length L = 2m, two complex half spectra of 2 m^2 values and three real
  // kernel spectra): 2,500 intervals (7,500 nodes per dimension, an extent of about 1,820 at 1.25
  // intervals per unit) take 6.3 GB. Beyond it the boxes widen and the forces lose accuracy.
  int max_intervals = 2500;
  // The near/far split's radius in units of sqrt(dof) (2-D only; 0 turns it off): see the top of
  // this file. Its far grid's boxes are kFarBoxPerRadius * radius * 1.25 / intervals_per_unit
  // wide, the radius being near_radius sqrt(dof) or kNearRadiusSmall times that.
  double near_radius = 4.0;
  bool near_always = false;  // tests: the split wherever the layout allows it, whatever its cost
};

// The split's far grid: box width per unit of the near radius, at intervals_per_unit = 1.25.
// Wider boxes lose accuracy fast (the error grows about as the cube of the width): at 0.75 the
// error at R = 4 is 0.88x the plain grid's at dof = 1 but 1.18x at dof = 0.5.
inline constexpr double kFarBoxPerRadius = 0.6;
// The cost of one candidate pair of the near field in units of the transforms' L^2 log2 L (1 +
// L / kFftCacheLength): a unit costs 0.8 ns (2 threads, 10,000-point layouts 65-190 wide), a
// pair 1.8 ns. A transform's time per L^2 log2 L grows with L as its arrays leave the caches:
// 0.95 ns at L = 384, 1.06 at 768, 1.16 at 896, 1.38 at 1,440. Only the choice between the split
// and the plain grid depends on these, never the sums themselves.
inline constexpr double kNearPairCost = 2.25;
inline constexpr double kFftCacheLength = 2000.0;
// Likewise with dof != 1, where each pair takes a pow() (t^dof) and the portable loop.
inline constexpr double kNearPairCostPow = 9.0;
// The split's radius is near_radius sqrt(dof) or this fraction of it, whichever the cost estimate
// favours (near_always: the full radius). The best radius grows with the typical spacing of the
// points (near pairs ~ density R^2, far nodes ~ (extent / R)^2): at 10,000 points the smaller one
// is cheaper while the layout is 90-140 units wide, the full one at its final 170 (repulsion
// 4.2 vs 6.9 ms per iteration at 103 units, 2 threads). Its error is 0.40-0.89x FIt-SNE's
// scheme's (bench/fft-accuracy.R, extents 50-455), about the plain grid's (0.49-0.95x), where the
// full radius gives 0.26-0.66x; at 0.625 it reaches 1.02x, hence no smaller candidate.
inline constexpr double kNearRadiusSmall = 0.75;
// The split only on layouts at least this many far boxes wide; below, the plain grid is small.
inline constexpr double kMinFarBoxes = 8.0;
// ... and at most this many near-field cells per dimension (half a radius each: a layout 8,000
// units wide at R = 4), which bounds the cells' counts (4 bytes each, 8 in the cost estimate).
inline constexpr long kMaxNearCells = 4096;

// FFTW's planner is not thread-safe: plans are made on the calling thread under this lock.
inline std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

// Smallest size >= n whose prime factors are 2, 3, 5 or 7 (fast for FFTW).
inline int fft_friendly(int n) {
  for (int m = std::max(n, 1);; ++m) {
    int r = m;
    for (int p : {2, 3, 5, 7})
      while (r % p == 0) r /= p;
    if (r == 1) return m;
  }
}

// The length of the 2-D transforms for a grid of m nodes per dimension, which needs at least
// min_len = 2m (the circulant embedding): the shortest length in kFastLengths that is long enough,
// when min_len is in the table's range; min_len itself otherwise (7-smooth: m = 3 x a 7-smooth box count).
// Any length >= 2m gives the same convolution on the grid's nodes; only the transforms' rounding
// differs. FFTW's estimated plans (FFTW_ESTIMATE, the reproducible mode) are much faster for some
// lengths than for others of about the same size: 1,080 costs 1.5x what 1,134 does. The table
// holds the lengths from 300 to 4,200 that are cheaper, for a whole t-SNE iteration's transforms,
// than every longer candidate (bench/fft-lengths.cpp and bench/fft-lengths.R: the list, and the
// FFT time saved, 16% on average over the grids of 50 to 700 boxes).
inline constexpr int kFastLengths[] = {
    320,  384,  400,  448,  512,  576,  600,  640,  700,  768,  800,  896,  960,  1008, 1024,
    1050, 1134, 1152, 1176, 1200, 1250, 1280, 1440, 1600, 1680, 1750, 1792, 2016, 2304, 2400,
    2560, 2592, 2688, 2800, 3024, 3200, 3456, 3528, 3584, 3600, 4032, 4116, 4200};
inline int fft_padded_length(int min_len) {
  if (min_len < 300) return min_len;  // below the measured range
  for (int len : kFastLengths)
    if (len >= min_len) return len;
  return min_len;
}

template <int D>
class FftRepulsion {
  static_assert(D == 1 || D == 2, "FFT interpolation supports 1 or 2 output dimensions");
  static constexpr int NK = D + 1;  // kernels G_c(u) = u_c t^(dof+1) (c < D), then K2 = t^dof
  static constexpr int NT = D;      // inverse transforms: G_c with the charge 1

 public:
  explicit FftRepulsion(FftParams par = FftParams())
      : par_(par), lagrange_scale_(lagrange_scale(par.n_interp)) {
    if (par_.n_interp < 1 || par_.n_interp > kMaxInterp)
      throw std::invalid_argument("n_interp must be between 1 and 20");
  }
  ~FftRepulsion() { release(); }
  FftRepulsion(const FftRepulsion&) = delete;
  FftRepulsion& operator=(const FftRepulsion&) = delete;

  template <class Exec>
  void compute(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
               Repulsion& out, const Exec& exec) {
    if (fit_grid(Y, n, kern, exec)) kernel_spectra(kern, h_ / par_.n_interp, exec);
    lap(TsnePhase::grid);
    locate(Y, n, exec);
    lap(TsnePhase::locate);
    convolve(n, out, exec);
    double z_near = 0.0;
    if (near_r_ > 0.0) {
      z_near = near_field(n, kern, out.force, exec);
      lap(TsnePhase::near);
    }
    // Less the self terms K2(0) = 1, which the near field sums when it is on, the grid otherwise.
    out.Z = z_nodes_ + z_near - static_cast<double>(n);
    lap(TsnePhase::forces);
  }

  // The near field's vector instructions (simd.hpp; callers pass a usable one).
  void use_simd(Simd simd) { simd_ = simd; }

  // Books the phases of compute() to times (nullptr: no timing).
  void set_phase_times(TsnePhaseTimes* times) { times_ = times; }

 private:
  // Keeps the grid while the points fit and still fill most of it; otherwise lays a new one with
  // a 5% margin on each side (one range for all dimensions, as FIt-SNE). True for a new grid.
  template <class Exec>
  bool fit_grid(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
                const Exec& exec) {
    double ylo = 1e300, yhi = -1e300;
    for (std::size_t q = 0; q < n * D; ++q) {
      ylo = std::min(ylo, Y[q]);
      yhi = std::max(yhi, Y[q]);
    }
    if (!(yhi > ylo)) yhi = ylo + 1e-6;
    const double yspan = yhi - ylo;
    const bool fits = m_ > 0 && ylo >= lo_ && yhi <= lo_ + nb_ * h_ && yspan > 0.8 * nb_ * h_ &&
                      kern.dof == dof_;
    if (fits) return false;
    const double span = yspan * 1.1;
    lo_ = ylo - 0.05 * yspan;
    const double max_intervals = D == 1 ? 65536.0 : static_cast<double>(par_.max_intervals);
    auto n_boxes = [&](double want, int at_least) {
      return fft_friendly(std::max(at_least, static_cast<int>(std::min(std::ceil(want), max_intervals))));
    };
    nb_ = n_boxes(span * par_.intervals_per_unit, par_.min_intervals);
    near_r_ = 0.0;
    if (D == 2 && par_.near_radius > 0.0) {
      // The cheapest of the plain grid and the split at each candidate radius (the full one
      // only with near_always).
      const int nb_plain = nb_;
      double best = transforms_cost(nb_plain);  // the chosen grid's estimated cost
      for (const double frac : {1.0, kNearRadiusSmall}) {
        const double radius = frac * par_.near_radius * std::sqrt(kern.dof);
        const double box = kFarBoxPerRadius * radius * 1.25 / par_.intervals_per_unit;
        const int nb_far = n_boxes(span / box, 1);
        // At least kMinFarBoxes boxes, so that a box is not much narrower than `box` and the
        // near field's cells not much narrower than half the radius; the cells are counted only
        // then (for far narrower boxes their reach would be huge).
        if (!(span / box >= kMinFarBoxes && nb_far < nb_plain &&
              static_cast<long>(nb_far) * near_sub(span / nb_far, radius) <= kMaxNearCells))
          continue;
        if (par_.near_always) {
          nb_ = nb_far;
          near_r_ = radius;
          break;
        }
        const double cost = split_cost(Y, n, span, nb_far, radius, kern.cauchy());
        if (cost < best) {
          best = cost;
          nb_ = nb_far;
          near_r_ = radius;
        }
      }
    }
    // As many boxes as the transforms' length holds (fft_padded_length() pads 2m by up to 17%):
    // finer boxes at no cost in the transforms, and m then depends on L only, so a grid of the
    // same length reuses its plans.
    if (D == 2) nb_ = std::max(nb_, fft_padded_length(2 * nb_ * par_.n_interp) / (2 * par_.n_interp));
    h_ = span / nb_;
    NearCells cells = near_r_ > 0.0 ? near_cells(h_, near_r_) : NearCells();
    near_sub_ = cells.sub;
    near_reach_ = std::move(cells.reach);
    dof_ = kern.dof;
    prepare(nb_ * par_.n_interp);
    return true;
  }

  // The near field's search grid for boxes of width h and the radius R: cells of 1 / sub of a
  // box, about half the radius wide (bench/results/tsne-breakdown.md: wider cells hold more
  // candidates, narrower ones cost more runs per point), and the reach in cells along each row
  // offset dr = -K..K, K = ceil(R / cell): the cells whose nearest edge is within R of some point
  // of the centre cell, ((|dc| - 1) cell)^2 + ((|dr| - 1)+ cell)^2 < R^2.
  struct NearCells {
    int sub = 0;
    std::vector<int> reach;
  };
  static int near_sub(double h, double R) {
    return std::max(1, static_cast<int>(std::lround(2.0 * h / R)));
  }
  static NearCells near_cells(double h, double R) {
    NearCells nc;
    nc.sub = near_sub(h, R);
    const double cell = h / nc.sub;
    const int K = static_cast<int>(std::ceil(R / cell));
    for (int dr = -K; dr <= K; ++dr) {
      const double gy = std::max(0, std::abs(dr) - 1) * cell;
      int reach = 0;
      while (reach < K && (reach * cell) * (reach * cell) + gy * gy < R * R) ++reach;
      nc.reach.push_back(reach);
    }
    return nc;
  }

  // Calls fn(r, c0, c1) for the near field's candidate cells around cell (cx, cy) of an nc x nc
  // grid: in each row r = cy + dr, |dr| <= K = reach.size() / 2, the cells c0..c1 within
  // reach[dr + K] of cx (clamped to the grid). The one walk that near_field() and the cost
  // estimate share.
  template <class Fn>
  static void for_each_near_run(int cx, int cy, int nc, const std::vector<int>& reach, Fn&& fn) {
    const int K = static_cast<int>(reach.size() / 2);
    for (int dr = std::max(-K, -cy); dr <= std::min(K, nc - 1 - cy); ++dr) {
      const int w = reach[dr + K];
      fn(cy + dr, std::max(cx - w, 0), std::min(cx + w, nc - 1));
    }
  }

  // The estimated cost per iteration of a grid of nb boxes (its transforms, L^2 log2 L), and of
  // the split (a grid of nb_far boxes and the near field of radius R): its transforms plus the
  // near field's candidate pairs (near_field()'s, counted from the points per cell) at
  // kNearPairCost (kNearPairCostPow with dof != 1). Both depend on the layout only, so the choice
  // is the same for any number of threads.
  double transforms_cost(int nb) const {
    const double L = fft_padded_length(2 * nb * par_.n_interp);
    return L * L * std::log2(L) * (1.0 + L / kFftCacheLength);
  }
  double split_cost(const std::vector<double>& Y, std::size_t n, double span, int nb_far, double R,
                    bool cauchy) const {
    const NearCells cells = near_cells(span / nb_far, R);
    const int nc = nb_far * cells.sub;
    const double cell = span / nc;
    // Points per cell, then prefix sums along each row of cells.
    std::vector<double> cum(static_cast<std::size_t>(nc) * (nc + 1), 0.0);
    for (std::size_t i = 0; i < n; ++i) {
      const int cx = std::min(nc - 1, std::max(0, static_cast<int>((Y[2 * i] - lo_) / cell)));
      const int cy = std::min(nc - 1, std::max(0, static_cast<int>((Y[2 * i + 1] - lo_) / cell)));
      cum[static_cast<std::size_t>(cy) * (nc + 1) + cx + 1] += 1.0;
    }
    for (int r = 0; r < nc; ++r)
      for (int c = 1; c <= nc; ++c) cum[static_cast<std::size_t>(r) * (nc + 1) + c] += cum[static_cast<std::size_t>(r) * (nc + 1) + c - 1];
    auto run = [&](int r, int c0, int c1) {  // points in cells c0..c1 of row r
      const double* row = &cum[static_cast<std::size_t>(r) * (nc + 1)];
      return row[c1 + 1] - row[c0];
    };
    double pairs = 0.0;
    for (int cy = 0; cy < nc; ++cy)
      for (int cx = 0; cx < nc; ++cx) {
        const double here = run(cy, cx, cx);
        if (here == 0.0) continue;
        for_each_near_run(cx, cy, nc, cells.reach,
                          [&](int r, int c0, int c1) { pairs += here * run(r, c0, c1); });
      }
    return transforms_cost(nb_far) + (cauchy ? kNearPairCost : kNearPairCostPow) * pairs;
  }

  // Box of each point and its Lagrange weights; then a counting sort of the points by box row
  // (last dimension), so spreading can be split by rows.
  template <class Exec>
  void locate(const std::vector<double>& Y, std::size_t n, const Exec& exec) {
    const int p = par_.n_interp, nb = nb_;
    const double lo = lo_, h = h_;
    // With the near field, each box is cut into near_sub_ x near_sub_ cells (the near field's
    // search grid), numbered row-major over the whole grid; the cell is derived from the same
    // position as the box, so a box's cells are always its own.
    const bool by_cell = near_r_ > 0.0;
    const int sub = near_sub_, nc = nb * sub;
    box_.resize(n * D);
    wts_.resize(n * D * p);
    if (by_cell) cell_.resize(n);
    exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i) {
        int cell[D];
        for (int c = 0; c < D; ++c) {
          const double pos = (Y[i * D + c] - lo) / h;
          int b = static_cast<int>(pos);
          if (b >= nb) b = nb - 1;
          if (b < 0) b = 0;
          box_[i * D + c] = b;
          lagrange(pos - b, &wts_[(i * D + c) * p]);
          if (by_cell) cell[c] = b * sub + std::min(sub - 1, std::max(0, static_cast<int>((pos - b) * sub)));
        }
        if (by_cell) cell_[i] = cell[D - 1] * nc + cell[0];
      }
    }, 1024);
    // A counting sort by box row, or with the near field by cell (row-major), so that a box row's
    // points are still contiguous and so is each run of cells along a row of cells.
    const std::size_t nkeys = by_cell ? static_cast<std::size_t>(nc) * nc : nb;
    auto key = [&](std::size_t i) {
      return by_cell ? static_cast<std::size_t>(cell_[i]) : static_cast<std::size_t>(box_[i * D + (D - 1)]);
    };
    std::vector<int>& start = by_cell ? cell_start_ : row_start_;
    start.assign(nkeys + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++start[key(i) + 1];
    for (std::size_t r = 0; r < nkeys; ++r) start[r + 1] += start[r];
    sorted_.resize(n);
    std::vector<int> fill(start.begin(), start.end() - 1);
    for (std::size_t i = 0; i < n; ++i) sorted_[fill[key(i)]++] = static_cast<int>(i);
    if (by_cell) {
      row_start_.resize(nb + 1);
      for (int r = 0; r <= nb; ++r)
        row_start_[r] = cell_start_[static_cast<std::size_t>(r) * sub * nc];
      sorted_y_.resize(n * D);
      exec.parallel_for(0, n, [&](std::size_t s0, std::size_t s1) {
        for (std::size_t s = s0; s < s1; ++s)
          for (int c = 0; c < D; ++c) sorted_y_[s * D + c] = Y[sorted_[s] * D + c];
      }, 4096);
    }
  }

  // The near field (2-D): adds sum_j S(r_ij) K1(r_ij) (y_i - y_j) over the points j within the
  // near radius R of i to force, and returns sum_ij S(r_ij) K2(r_ij) with the self terms. The
  // candidates of a point in cell (cx, cy): in each row of cells cy + dr, the cells within
  // near_reach_[dr] of cx, the ones whose nearest edge is closer than R to some point of cell
  // (cx, cy); a contiguous run of the sorted points each. Each point sums its own, in a fixed
  // order, and Z is summed in fixed blocks, so nothing depends on the number of threads.
  template <class Exec>
  double near_field(std::size_t n, const TsneKernel& kern, std::vector<double>& force,
                    const Exec& exec) const {
    const int nc = nb_ * near_sub_;
    const double inv_r2 = 1.0 / (near_r_ * near_r_);
    const double* ys = sorted_y_.data();
    const bool cauchy = kern.cauchy();
    const Simd simd = simd_;
    return block_sum(exec, n, 256, [&](std::size_t s0, std::size_t s1) {
      double z = 0.0;
      std::vector<NearRun> runs(near_reach_.size());
      for (std::size_t s = s0; s < s1; ++s) {
        const int i = sorted_[s], cell = cell_[i];
        int n_runs = 0;
        for_each_near_run(cell % nc, cell / nc, nc, near_reach_, [&](int r, int c0, int c1) {
          const std::size_t row = static_cast<std::size_t>(r) * nc;
          runs[n_runs++] = {cell_start_[row + c0], cell_start_[row + c1 + 1]};
        });
        double* f = &force[2 * static_cast<std::size_t>(i)];
        const double xi = ys[2 * s], yi = ys[2 * s + 1];
        if (!cauchy)
          z += near_point_2d<false, Simd::portable>(ys, runs.data(), n_runs, xi, yi, kern, inv_r2, f);
        else if (simd == Simd::avx)
          z += near_point_2d<true, Simd::avx>(ys, runs.data(), n_runs, xi, yi, kern, inv_r2, f);
        else if (simd == Simd::sse2)
          z += near_point_2d<true, Simd::sse2>(ys, runs.data(), n_runs, xi, yi, kern, inv_r2, f);
        else
          z += near_point_2d<true, Simd::portable>(ys, runs.data(), n_runs, xi, yi, kern, inv_r2, f);
      }
      return z;
    });
  }

  // The interpolation stencil of point i, the one loop that spreading and gathering share: calls
  // row(offset, wx, wy) for each of its grid rows (one in 1-D, n_interp in 2-D), with the offset
  // of the row's first node in the real grid, the weights along the row and the row's weight
  // (1 in 1-D).
  template <class RowFn>
  void for_each_stencil_row(std::size_t i, RowFn&& row) const {
    const int p = par_.n_interp;
    if (D == 1) {
      row(static_cast<std::size_t>(box_[i] * p), &wts_[i * p], 1.0);
    } else {
      const std::size_t rs = row_stride();
      const int bx = box_[i * D] * p, by = box_[i * D + 1] * p;
      const double* wx = &wts_[(i * D) * p];
      const double* wy = &wts_[(i * D + 1) * p];
      for (int b = 0; b < p; ++b) row(static_cast<std::size_t>(by + b) * rs + bx, wx, wy[b]);
    }
  }

  // Spreads the charge 1 onto the grid buf, zeroed first and laid out for the in-place real
  // transform; parallel over box rows, which own disjoint grid rows. Each task also zeroes its own
  // rows and its share of the padding rows (m..L-1) just before, so the zeroing (most of this
  // phase's memory traffic) is shared by the threads too.
  template <class Exec>
  void spread(fftw_complex* buf, const Exec& exec) const {
    const int p = par_.n_interp;
    // A "row" is one node in 1-D; 1-D buffers end in two more doubles (the real layout's padding).
    const std::size_t unit = D == 1 ? 1 : row_stride(), half = static_cast<std::size_t>(m_) * unit;
    // The padding: rows m..L-1 in 2-D; in 1-D the values m..L-1 and the layout's two extra.
    const std::size_t pad = D == 1 ? static_cast<std::size_t>(L_ + 2 - m_)
                                   : static_cast<std::size_t>(L_ - m_) * unit;
    const std::size_t nbs = static_cast<std::size_t>(nb_);
    double* grid = reinterpret_cast<double*>(buf);
    exec.parallel_for(0, nb_, [&](std::size_t r0, std::size_t r1) {
      const std::size_t z0 = r0 * p * unit, z1 = r1 * p * unit;
      const std::size_t pz0 = pad * r0 / nbs, pz1 = pad * r1 / nbs;
      std::memset(grid + z0, 0, sizeof(double) * (z1 - z0));
      std::memset(grid + half + pz0, 0, sizeof(double) * (pz1 - pz0));
      for (std::size_t r = r0; r < r1; ++r)
        for (int s = row_start_[r]; s < row_start_[r + 1]; ++s) {
          for_each_stencil_row(sorted_[s], [&](std::size_t off, const double* wx, double wy) {
            double* g = grid + off;
            for (int a = 0; a < p; ++a) g[a] += wx[a] * wy;
          });
        }
    }, 1);
  }

  // Interpolates the D potentials on the real grids pots[0..D) at every point into force (n x D),
  // in one pass over the points.
  template <class Exec>
  void gather(fftw_complex* const* pots, std::size_t n, std::vector<double>& force,
              const Exec& exec) const {
    const int p = par_.n_interp;
    force.resize(n * D);
    exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i)
        for (int k = 0; k < D; ++k) {
          const double* pot = reinterpret_cast<const double*>(pots[k]);
          double v = 0.0;
          for_each_stencil_row(i, [&](std::size_t off, const double* wx, double wy) {
            const double* g = pot + off;
            double vb = 0.0;
            for (int a = 0; a < p; ++a) vb += wx[a] * g[a];
            v += wy * vb;
          });
          force[i * D + k] = v;
        }
    }, 2048);
  }

  // The potentials' spectra from the charge's in cspec_: G_c's spectrum is i S_c (S_c real,
  // kspec_[c]), so C i S_c = (-Im C S_c, Re C S_c). Component c < D - 1 goes to work_, the last
  // one overwrites cspec_ in the same pass (each value is read before it is written).
  template <class Exec>
  void potential_spectra(const Exec& exec) {
    exec.parallel_for(0, spec_size(), [&](std::size_t q0, std::size_t q1) {
      for (std::size_t q = q0; q < q1; ++q) {
        const double re = cspec_[q][0], im = cspec_[q][1];
        if constexpr (D == 2) {
          const double s0 = kspec_[0][q];
          work_[q][0] = -im * s0;
          work_[q][1] = re * s0;
        }
        const double s = kspec_[D - 1][q];
        cspec_[q][0] = -im * s;
        cspec_[q][1] = re * s;
      }
    }, 1 << 14);
  }

  // The D potentials G_c * charge 1 at the points, which are the forces
  // sum_j K1(y_i - y_j) (y_i - y_j), into out.force; and z_nodes_ = sum over nodes of charge 1 x
  // (K2 * charge 1), from the spectra.
  template <class Exec>
  void convolve(std::size_t n, Repulsion& out, const Exec& exec) {
    spread(cspec_, exec);
    lap(TsnePhase::spread);
    forward(cspec_, exec);
    z_nodes_ = parseval_z(exec);
    potential_spectra(exec);
    fftw_complex* pots[NT];
    for (int c = 0; c < NT; ++c) pots[c] = c == NT - 1 ? cspec_ : work_;
    inverse(pots, NT, exec);
    lap(TsnePhase::fft);
    gather(pots, n, out.force, exec);
    lap(TsnePhase::gather);
  }

  // sum_x c(x) (K2 * c)(x) over the grid for the charge 1 in cspec_ (transformed): the sum of
  // |C(k)|^2 K2^(k) over the full spectrum, whose columns 1..m-1 stand for two each in the stored
  // half (the real transforms' conjugate symmetry); kspec_ is pre-divided by the length.
  template <class Exec>
  double parseval_z(const Exec& exec) const {
    const std::size_t cols = static_cast<std::size_t>(L_ / 2 + 1);
    const double* ks = kspec_[D];
    return block_sum(exec, spec_size(), 1 << 14, [&](std::size_t q0, std::size_t q1) {
      double z = 0.0;
      for (std::size_t q = q0; q < q1; ++q) {
        const std::size_t k1 = q % cols;
        const double w = (k1 == 0 || k1 == cols - 1) ? 1.0 : 2.0;
        z += w * (cspec_[q][0] * cspec_[q][0] + cspec_[q][1] * cspec_[q][1]) * ks[q];
      }
      return z;
    });
  }

  // Padded grid of L >= 2m nodes per dimension (L even; fft_padded_length()). Real arrays use the
  // in-place layout of FFTW's real transforms: rows of 2(L/2 + 1) doubles (L values and 2 of
  // padding); spectra have L rows of L/2 + 1 complex values in 2-D (L/2 + 1 values in 1-D).
  std::size_t half_spec() const { return static_cast<std::size_t>(L_ / 2 + 1); }
  std::size_t row_stride() const { return 2 * half_spec(); }
  std::size_t spec_size() const {
    return D == 1 ? half_spec() : static_cast<std::size_t>(L_) * half_spec();
  }
  std::size_t padded_real() const {
    return D == 1 ? static_cast<std::size_t>(L_)
                  : static_cast<std::size_t>(L_) * static_cast<std::size_t>(L_);
  }

  // The charges are zero outside the first m rows and columns of the padded grid, and only the
  // first m rows of the potentials are read, so in 2-D the transforms run as two passes of 1-D
  // transforms that skip the zero rows (forward) and the unread rows (inverse): 3/4 of the work
  // of a full 2-D transform at L = 2m, and faster still in practice than FFTW's estimated 2-D plans.
  // Each pass of the transforms runs in two halves (rows 0..m/2-1 and m/2..m-1; columns
  // likewise), with a plan per half, as separate tasks: the one forward transform of an iteration
  // is shared by two threads, the two inverse ones by four. The halves are the same for any number
  // of threads, so the result does not depend on it.
  template <class Exec>
  void forward(fftw_complex* buf, const Exec& exec) const {
    if (D == 1) {
      fftw_execute_dft_r2c(cur_.fwd, reinterpret_cast<double*>(buf), buf);
      return;
    }
    exec.parallel_for(0, 2, [&](std::size_t t0, std::size_t t1) {
      for (std::size_t t = t0; t < t1; ++t) row_pass(true, t, buf);
    }, 1);
    // Rows m..L-1 of the charge grid are zero, so are their transforms (the buffer was zeroed).
    exec.parallel_for(0, 2, [&](std::size_t t0, std::size_t t1) {
      for (std::size_t t = t0; t < t1; ++t) col_pass(true, t, buf);
    }, 1);
  }
  // The inverse transforms of bufs[0..nb).
  template <class Exec>
  void inverse(fftw_complex* const* bufs, int nb, const Exec& exec) const {
    if (D == 1) {
      exec.parallel_for(0, nb, [&](std::size_t t0, std::size_t t1) {
        for (std::size_t t = t0; t < t1; ++t)
          fftw_execute_dft_c2r(cur_.inv, bufs[t], reinterpret_cast<double*>(bufs[t]));
      }, 1);
      return;
    }
    exec.parallel_for(0, 2 * nb, [&](std::size_t t0, std::size_t t1) {
      for (std::size_t t = t0; t < t1; ++t) col_pass(false, t % 2, bufs[t / 2]);
    }, 1);
    exec.parallel_for(0, 2 * nb, [&](std::size_t t0, std::size_t t1) {
      for (std::size_t t = t0; t < t1; ++t) row_pass(false, t % 2, bufs[t / 2]);
    }, 1);
  }
  // Half `half` of a row pass (r2c forward, c2r inverse) or a column pass, in place in buf.
  void row_pass(bool fwd, std::size_t half, fftw_complex* buf) const {
    const std::size_t r0 = half == 0 ? 0 : static_cast<std::size_t>(m_ / 2);
    double* real = reinterpret_cast<double*>(buf) + r0 * row_stride();
    fftw_complex* cplx = buf + r0 * half_spec();
    if (fwd) fftw_execute_dft_r2c(cur_.rows_fwd[half], real, cplx);
    else fftw_execute_dft_c2r(cur_.rows_inv[half], cplx, real);
  }
  void col_pass(bool fwd, std::size_t half, fftw_complex* buf) const {
    fftw_complex* b = buf + (half == 0 ? 0 : half_spec() / 2);
    fftw_execute_dft(fwd ? cur_.cols_fwd[half] : cur_.cols_inv[half], b, b);
  }

  // The Lagrange weights of the n_interp nodes at (k + 0.5) / n_interp of the unit interval at
  // u: w_k = c_k prod_{l != k} (u - x_l), with c_k = 1 / prod_{l != k} (x_k - x_l) computed once
  // (lagrange_scale()), so locating a point takes no division (they were half its cost).
  static std::vector<double> lagrange_scale(int p) {
    std::vector<double> c(p);
    for (int k = 0; k < p; ++k) {
      double v = 1.0;
      for (int l = 0; l < p; ++l)
        if (l != k) v *= (k + 0.5) / p - (l + 0.5) / p;
      c[k] = 1.0 / v;
    }
    return c;
  }
  void lagrange(double u, double* w) const {
    const int p = par_.n_interp;
    double d[kMaxInterp];
    for (int l = 0; l < p; ++l) d[l] = u - (l + 0.5) / p;
    for (int k = 0; k < p; ++k) {
      double v = lagrange_scale_[k];
      for (int l = 0; l < p; ++l)
        if (l != k) v *= d[l];
      w[k] = v;
    }
  }

  // Fills each kernel on the padded grid of node offsets (the circulant embedding: offsets
  // -(m-1)..m-1 at indices L-m+1..L-1, 0..m-1; the indices between, m..L-m, are never needed by
  // an output node and stay 0), transforms it (two kernels at once, in work_ and cspec_, which are
  // free here) and keeps its spectrum, divided by the transform length so the inverse needs no
  // scaling: the real part of K2's (even), the imaginary part of each G_c's (odd in dimension c,
  // even in the other). Each kernel is evaluated on one
  // quadrant of the offsets and mirrored with its parity (exactly: -a h squares to the same double
  // as a h), a quarter of the evaluations (pow() when dof != 1).
  template <class Exec>
  void kernel_spectra(const TsneKernel& kern, double spacing, const Exec& exec) {
    // The kernels in rounds of two, each in its own buffer (cspec_ and work_ are free here).
    fftw_complex* bufs[2] = {work_, cspec_};
    for (int k0 = 0; k0 < NK; k0 += 2) {
      const int k1 = std::min(NK, k0 + 2);
      exec.parallel_for(k0, k1, [&](std::size_t a0, std::size_t a1) {
        for (std::size_t k = a0; k < a1; ++k)
          kernel_spectrum(static_cast<int>(k), kern, spacing, bufs[k % 2]);
      }, 1);
    }
  }
  void kernel_spectrum(int k, const TsneKernel& kern, double spacing, fftw_complex* cbuf) {
    const int L = L_, half = L_ / 2;
    const std::size_t rs = row_stride(), nspec = spec_size();
    const double norm = 1.0 / static_cast<double>(padded_real());
    const double inv_r2 = near_r_ > 0.0 ? 1.0 / (near_r_ * near_r_) : 0.0;
    double* buf = reinterpret_cast<double*>(cbuf);
    // Parity along x (the row) and y (across rows) of kernel k: G_0 is odd in x, G_1 odd in y.
    const double sx = k == 0 ? -1.0 : 1.0, sy = D == 2 && k == 1 ? -1.0 : 1.0;
    // Rows 0..L/2 (offsets 0..m-1, then zero rows); in 1-D the one row.
    for (int r = 0; r < (D == 1 ? 1 : half + 1); ++r) {
      double* row = buf + (D == 1 ? 0 : static_cast<std::size_t>(r) * rs);
      if (D == 2 && r >= m_) {  // offsets beyond the grid
        std::memset(row, 0, sizeof(double) * rs);
        continue;
      }
      const double dy = D == 1 ? 0.0 : static_cast<double>(r) * spacing;
      for (int a = 0; a < m_; ++a) {
        const double dx = a * spacing;
        const double d2 = dx * dx + dy * dy, t = kern.t(d2);
        // With the near field, the far part K (1 - S).
        const double w = kern.w_from_t(t) * (near_r_ > 0.0 ? 1.0 - near_weight(d2 * inv_r2) : 1.0);
        row[a] = k == D ? w : (k == 0 ? dx : dy) * (w * t);
      }
      for (int a = m_; a <= half; ++a) row[a] = 0.0;
      for (int a = half + 1; a < L; ++a) row[a] = sx * row[L - a];
      row[L] = row[L + 1] = 0.0;
    }
    if (D == 1) {
      fftw_execute_dft_r2c(cur_.fwd, buf, cbuf);
    } else {
      // The transforms of rows 0..L/2; rows L/2+1..L-1 (offsets -(L/2-1)..-1) are rows L/2-1..1
      // times sy, and so are their transforms. Then the columns, with the iterations' plans.
      fftw_execute_dft_r2c(cur_.krows, buf, cbuf);
      const std::size_t cols = half_spec();
      for (int r = half + 1; r < L; ++r) {
        const fftw_complex* from = cbuf + static_cast<std::size_t>(L - r) * cols;
        fftw_complex* to = cbuf + static_cast<std::size_t>(r) * cols;
        for (std::size_t a = 0; a < cols; ++a) {
          to[a][0] = sy * from[a][0];
          to[a][1] = sy * from[a][1];
        }
      }
      col_pass(true, 0, cbuf);
      col_pass(true, 1, cbuf);
    }
    double* ks = kspec_[k];
    const int part = k == D ? 0 : 1;
    for (std::size_t q = 0; q < nspec; ++q) ks[q] = cbuf[q][part] * norm;
  }

  void prepare(int m) {
    const int L = D == 1 ? 2 * m : fft_padded_length(2 * m);
    if (m == m_ && L == L_) return;
    free_arrays();
    m_ = m;
    L_ = L;
    const std::size_t ns = spec_size();
    bool ok = true;
    for (int a = 0; a < NK; ++a) ok = ok && (kspec_[a] = fftw_alloc_real(ns));
    ok = ok && (cspec_ = fftw_alloc_complex(ns));
    ok = ok && (work_ = fftw_alloc_complex(ns));  // G_0's potential in 2-D; kernels' scratch
    if (!ok) {
      free_arrays();
      throw std::bad_alloc();
    }
    std::memset(cspec_, 0, sizeof(fftw_complex) * ns);
    std::memset(work_, 0, sizeof(fftw_complex) * ns);
    use_plans();
  }

  // The transforms' plans for (m_, L_): from the cache, or made now and cached. Plans are
  // executed on the arrays of the moment (FFTW's new-array execution), which fftw_alloc aligns
  // as the planning arrays were, so a plan outlives the arrays it was made with. FFTW_ESTIMATE
  // plans still take 5-30 ms per grid (bench/results/tsne-breakdown.md), and a run's layout
  // returns to earlier lengths when the near/far split shrinks the grid.
  struct FftPlans {
    int m = 0, L = 0;
    fftw_plan fwd = nullptr, inv = nullptr;  // 1-D
    fftw_plan krows = nullptr;               // 2-D: the kernels' rows 0..L/2
    fftw_plan rows_fwd[2] = {}, cols_fwd[2] = {}, cols_inv[2] = {}, rows_inv[2] = {};
    bool complete() const {
      return D == 1 ? fwd && inv
                    : krows && rows_fwd[0] && rows_fwd[1] && cols_fwd[0] && cols_fwd[1] &&
                          cols_inv[0] && cols_inv[1] && rows_inv[0] && rows_inv[1];
    }
    void destroy() {
      for (fftw_plan* pl : {&fwd, &inv, &krows, &rows_fwd[0], &rows_fwd[1], &cols_fwd[0],
                            &cols_fwd[1], &cols_inv[0], &cols_inv[1], &rows_inv[0], &rows_inv[1]}) {
        if (*pl) fftw_destroy_plan(*pl);
        *pl = nullptr;
      }
    }
  };
  static constexpr std::size_t kMaxCachedPlans = 24;

  void use_plans() {
    auto hit = std::find_if(plans_.begin(), plans_.end(),
                            [&](const FftPlans& p) { return p.m == m_ && p.L == L_; });
    if (hit == plans_.end()) {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      if (plans_.size() == kMaxCachedPlans) {
        plans_.front().destroy();
        plans_.erase(plans_.begin());
      }
      FftPlans p = make_plans();
      if (!p.complete()) {
        p.destroy();
        free_arrays();
        throw std::runtime_error("FFTW could not plan the transforms");
      }
      plans_.push_back(p);
      hit = plans_.end() - 1;
    }
    cur_ = *hit;
  }

  // Plans on work_ (the caller holds the planner's lock). FFTW_ESTIMATE, not MEASURE: measured
  // plans are faster but chosen by timing, so they could differ between runs and break
  // reproducibility (same seed, same result).
  FftPlans make_plans() {
    FftPlans p;
    p.m = m_;
    p.L = L_;
    const int L = L_, m = m_;
    double* rbuf = reinterpret_cast<double*>(work_);
    if (D == 1) {
      p.fwd = fftw_plan_dft_r2c_1d(L, rbuf, work_, FFTW_ESTIMATE);
      p.inv = fftw_plan_dft_c2r_1d(L, work_, rbuf, FFTW_ESTIMATE);
      return p;
    }
    const int cols = L / 2 + 1, rs = 2 * cols;
    int len[1] = {L};
    p.krows = fftw_plan_many_dft_r2c(1, len, L / 2 + 1, rbuf, nullptr, 1, rs, work_, nullptr, 1,
                                     cols, FFTW_ESTIMATE);
    // The passes in halves (forward(), inverse()), each half planned where it runs, so that
    // the arrays' alignment at execution is the planned one.
    const int row0[3] = {0, m / 2, m}, col0[3] = {0, cols / 2, cols};
    for (int t = 0; t < 2; ++t) {
      double* real = rbuf + static_cast<std::size_t>(row0[t]) * rs;
      fftw_complex* rows = work_ + static_cast<std::size_t>(row0[t]) * cols;
      fftw_complex* c0 = work_ + col0[t];
      const int nr = row0[t + 1] - row0[t], nc = col0[t + 1] - col0[t];
      p.rows_fwd[t] = fftw_plan_many_dft_r2c(1, len, nr, real, nullptr, 1, rs, rows, nullptr, 1,
                                             cols, FFTW_ESTIMATE);
      p.cols_fwd[t] = fftw_plan_many_dft(1, len, nc, c0, nullptr, cols, 1, c0, nullptr, cols, 1,
                                         FFTW_FORWARD, FFTW_ESTIMATE);
      p.cols_inv[t] = fftw_plan_many_dft(1, len, nc, c0, nullptr, cols, 1, c0, nullptr, cols, 1,
                                         FFTW_BACKWARD, FFTW_ESTIMATE);
      p.rows_inv[t] = fftw_plan_many_dft_c2r(1, len, nr, rows, nullptr, 1, cols, real, nullptr, 1,
                                             rs, FFTW_ESTIMATE);
    }
    return p;
  }

  void lap(TsnePhase p) const {
    if (times_) times_->lap(p);
  }

  void release() {
    {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      for (FftPlans& p : plans_) p.destroy();
      plans_.clear();
      cur_ = FftPlans();
    }
    free_arrays();
  }

  // fftw_free(nullptr) is a no-op, so this also cleans up after a failed allocation.
  void free_arrays() {
    for (int a = 0; a < NK; ++a) {
      fftw_free(kspec_[a]);
      kspec_[a] = nullptr;
    }
    fftw_free(cspec_);
    cspec_ = nullptr;
    fftw_free(work_);
    work_ = nullptr;
    m_ = 0;
    L_ = 0;
  }

  static constexpr int kMaxInterp = 20;
  FftParams par_;
  std::vector<double> lagrange_scale_;  // lagrange()'s c_k
  TsnePhaseTimes* times_ = nullptr;
  int m_ = 0;  // grid nodes per dimension
  int L_ = 0;  // transform length per dimension, >= 2 m_
  int nb_ = 0;
  double lo_ = 0.0, h_ = 0.0, dof_ = 0.0, z_nodes_ = 0.0;
  // The plans made so far (use_plans()), which own them:
  std::vector<FftPlans> plans_;
  FftPlans cur_;  // the current grid's plans (a copy of the cache's entry; not owning them)
  double* kspec_[NK] = {};
  fftw_complex* cspec_ = nullptr;
  fftw_complex* work_ = nullptr;
  std::vector<int> box_;
  std::vector<double> wts_;
  std::vector<int> row_start_, sorted_;
  // The near field: its radius (0: off), cells per box per dimension, each point's cell, the
  // start of each cell's points in sorted_ (row-major cells), the points' coordinates in sorted
  // order.
  double near_r_ = 0.0;
  int near_sub_ = 0;
  Simd simd_ = best_simd();
  std::vector<int> near_reach_;
  std::vector<int> cell_, cell_start_;
  std::vector<double> sorted_y_;
};

}  // namespace nembed

#endif
