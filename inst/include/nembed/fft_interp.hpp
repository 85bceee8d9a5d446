// FFT-accelerated interpolation for the t-SNE repulsion (Linderman et al. 2019, FIt-SNE), in 1-D
// and 2-D, for any kernel degree of freedom.
//
// The embedding's bounding box is cut into n_boxes intervals per dimension with n_interp
// equispaced Lagrange nodes per interval, so all nodes form one equispaced grid. Charges are
// spread from points to the nodes of their box, convolved with the kernels on the grid by FFT
// (FFTW, zero-padded circulant embedding), and interpolated back. Two kernels are needed for
// dof != 1 and serve dof = 1 as well: K1 = t^(dof+1) with charges [1, y_1, .., y_D] gives the
// forces, K2 = t^dof with charge [1] gives Z. Spreading is parallel over box rows (the points are
// counting-sorted by box row, and a box row writes only its own grid rows), so the result does
// not depend on the number of threads.
//
// Speed: the grid (and so the kernels' spectra) is kept while the embedding stays inside it with
// a margin, so most iterations need only the charge transforms; transforms run in single
// precision (fftwf), which is ample for forces whose target accuracy is 1e-2 (1e-4 when tightened)
// and halves the dominant cost once the embedding has spread out.
#ifndef NEMBED_FFT_INTERP_HPP
#define NEMBED_FFT_INTERP_HPP

#include <fftw3.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <mutex>
#include <new>
#include <vector>

#include "nembed/parallel.hpp"
#include "nembed/tsne_kernel.hpp"

namespace nembed {

struct FftParams {
  int n_interp = 3;            // Lagrange nodes per interval
  int min_intervals = 50;      // per dimension
  double intervals_per_unit = 1.0;
};

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

template <int D>
class FftRepulsion {
  static_assert(D == 1 || D == 2, "FFT interpolation supports 1 or 2 output dimensions");

 public:
  explicit FftRepulsion(FftParams par = FftParams()) : par_(par) {}
  ~FftRepulsion() { release(); }
  FftRepulsion(const FftRepulsion&) = delete;
  FftRepulsion& operator=(const FftRepulsion&) = delete;

  int grid_nodes() const { return m_; }

  template <class Exec>
  void compute(const std::vector<double>& Y, std::size_t n, const TsneKernel& kern,
               Repulsion& out, const Exec& exec) {
    constexpr int NC = D + 1;  // charges 1, y_1..y_D
    const int p = par_.n_interp;
    // Bounding box: one range for all dimensions, as FIt-SNE.
    double ylo = 1e300, yhi = -1e300;
    for (std::size_t q = 0; q < n * D; ++q) {
      ylo = std::min(ylo, Y[q]);
      yhi = std::max(yhi, Y[q]);
    }
    if (!(yhi > ylo)) yhi = ylo + 1e-6;
    const double yspan = yhi - ylo;
    // Keep the grid while the points fit and still fill most of it; otherwise lay a new one with a
    // 5% margin on each side.
    const bool fits = m_ > 0 && ylo >= lo_ && yhi <= lo_ + nb_ * h_ && yspan > 0.8 * nb_ * h_ &&
                      kern.dof == dof_;
    const bool new_grid = !fits;
    if (new_grid) {
      const double span = yspan * 1.1;
      lo_ = ylo - 0.05 * yspan;
      // Capped so that a huge embedding (e.g. a user's init in large units) coarsens the grid
      // instead of asking for gigabytes: 2-D arrays take ~290 bytes per squared grid node, so
      // 500 intervals (1500 nodes per dimension) cost ~650 MB.
      const double max_intervals = D == 1 ? 65536.0 : 500.0;
      const double want = std::ceil(span * par_.intervals_per_unit);
      nb_ = fft_friendly(std::max(par_.min_intervals,
                                  static_cast<int>(std::min(want, max_intervals))));
      h_ = span / nb_;
      dof_ = kern.dof;
      prepare(nb_ * p);
    }
    const double lo = lo_, h = h_;
    const int nb = nb_;
    const double spacing = h / p;
    const double centre = lo + 0.5 * nb * h;

    // Box of each point and its Lagrange weights.
    box_.resize(n * D);
    wts_.resize(n * D * p);
    exec.parallel_for(0, n, [&](std::size_t i0, std::size_t i1) {
      for (std::size_t i = i0; i < i1; ++i)
        for (int c = 0; c < D; ++c) {
          const double pos = (Y[i * D + c] - lo) / h;
          int b = static_cast<int>(pos);
          if (b >= nb) b = nb - 1;
          if (b < 0) b = 0;
          box_[i * D + c] = b;
          lagrange(pos - b, p, &wts_[(i * D + c) * p]);
        }
    }, 1024);

    // Counting sort of points by box row (last dimension), so spreading can be split by rows.
    row_start_.assign(nb + 1, 0);
    for (std::size_t i = 0; i < n; ++i) ++row_start_[box_[i * D + (D - 1)] + 1];
    for (int r = 0; r < nb; ++r) row_start_[r + 1] += row_start_[r];
    sorted_.resize(n);
    {
      std::vector<int> fill(row_start_.begin(), row_start_.end() - 1);
      for (std::size_t i = 0; i < n; ++i) sorted_[fill[box_[i * D + (D - 1)]]++] = static_cast<int>(i);
    }

    // Spread the charges onto the (un-padded) grid, stored inside the padded arrays; the padding
    // stays zero (r2c transforms preserve their input).
    const std::size_t padded_real = real_size();  // the transforms' normalisation
    for (int c = 0; c < NC; ++c) {
      if (D == 1) std::memset(charge_[c], 0, sizeof(float) * m_);
      else
        for (int r = 0; r < m_; ++r)
          std::memset(charge_[c] + static_cast<std::size_t>(r) * 2 * m_, 0, sizeof(float) * m_);
    }
    exec.parallel_for(0, nb, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r)
        for (int s = row_start_[r]; s < row_start_[r + 1]; ++s) {
          const std::size_t i = sorted_[s];
          // Charges relative to the grid centre keep single-precision cancellation small.
          double ch[NC];
          ch[0] = 1.0;
          for (int c = 0; c < D; ++c) ch[c + 1] = Y[i * D + c] - centre;
          if (D == 1) {
            const int base = box_[i] * p;
            const double* w = &wts_[i * p];
            for (int a = 0; a < p; ++a)
              for (int c = 0; c < NC; ++c) charge_[c][base + a] += static_cast<float>(w[a] * ch[c]);
          } else {
            const int bx = box_[i * D] * p, by = box_[i * D + 1] * p;
            const double* wx = &wts_[(i * D) * p];
            const double* wy = &wts_[(i * D + 1) * p];
            for (int b = 0; b < p; ++b)
              for (int a = 0; a < p; ++a) {
                const double w = wx[a] * wy[b];
                const std::size_t node = static_cast<std::size_t>(by + b) * (2 * m_) + (bx + a);
                for (int c = 0; c < NC; ++c) charge_[c][node] += static_cast<float>(w * ch[c]);
              }
          }
        }
    }, 1);

    // Kernels on node offsets, as circulant (padded) arrays, and their spectra: only for a new grid.
    if (new_grid) {
      fill_kernel(kern, spacing, exec);
      exec.parallel_for(0, 2, [&](std::size_t a0, std::size_t a1) {
        for (std::size_t a = a0; a < a1; ++a) fftwf_execute_dft_r2c(fwd_, kernel_[a], kspec_[a]);
      }, 1);
    }
    // Forward transforms of the charges, in parallel (execution is thread-safe).
    exec.parallel_for(0, NC, [&](std::size_t a0, std::size_t a1) {
      for (std::size_t a = a0; a < a1; ++a) forward_charge(charge_[a], cspec_[a]);
    }, 1);
    // Products and inverse transforms: K1 * each charge (NC) and K2 * charge 1.
    const std::size_t nspec = spec_size();
    const float norm = static_cast<float>(1.0 / static_cast<double>(padded_real));
    exec.parallel_for(0, NC + 1, [&](std::size_t a0, std::size_t a1) {
      for (std::size_t a = a0; a < a1; ++a) {
        const int kk = a < static_cast<std::size_t>(NC) ? 0 : 1;
        const int cc = a < static_cast<std::size_t>(NC) ? static_cast<int>(a) : 0;
        fftwf_complex* prod = prod_[a];
        for (std::size_t q = 0; q < nspec; ++q) {
          const float ar = kspec_[kk][q][0], ai = kspec_[kk][q][1];
          const float br = cspec_[cc][q][0], bi = cspec_[cc][q][1];
          prod[q][0] = (ar * br - ai * bi) * norm;
          prod[q][1] = (ar * bi + ai * br) * norm;
        }
        inverse_potential(prod, pot_[a]);
      }
    }, 1);

    // Gather the potentials back to the points.
    out.force.assign(n * D, 0.0);
    const std::size_t block = 2048;
    std::vector<double> zpart(n_blocks(n, block), 0.0);
    for_each_block(exec, n, block, [&](std::size_t blk, std::size_t i0, std::size_t i1) {
      double z = 0.0;
      for (std::size_t i = i0; i < i1; ++i) {
        double phi[NC + 1] = {};
        if (D == 1) {
          const int base = box_[i] * p;
          const double* w = &wts_[i * p];
          for (int a = 0; a < p; ++a)
            for (int c = 0; c <= NC; ++c) phi[c] += w[a] * pot_[c][base + a];
        } else {
          const int bx = box_[i * D] * p, by = box_[i * D + 1] * p;
          const double* wx = &wts_[(i * D) * p];
          const double* wy = &wts_[(i * D + 1) * p];
          for (int b = 0; b < p; ++b)
            for (int a = 0; a < p; ++a) {
              const double w = wx[a] * wy[b];
              const std::size_t node = static_cast<std::size_t>(by + b) * (2 * m_) + (bx + a);
              for (int c = 0; c <= NC; ++c) phi[c] += w * pot_[c][node];
            }
        }
        // sum_j K1(y_i - y_j) (y_i - y_j) = y_i * phi_1 - phi_y
        for (int c = 0; c < D; ++c) out.force[i * D + c] = (Y[i * D + c] - centre) * phi[0] - phi[c + 1];
        z += phi[NC];
      }
      zpart[blk] = z;
    });
    double Z = 0.0;
    for (double z : zpart) Z += z;
    out.Z = Z - static_cast<double>(n);  // remove the self terms K2(0) = 1
  }

 private:
  // The charges are zero outside the first m rows and columns of the padded 2m x 2m grid, and
  // only the first m rows of the potentials are read, so in 2-D the transforms run as two
  // passes of 1-D transforms that skip the zero rows (forward) and the unread rows (inverse):
  // 3/4 of the work of a full 2-D transform, and faster still in practice because FFTW's
  // estimated 2-D plans handle the large strided passes poorly. The results are identical.
  void forward_charge(float* charge, fftwf_complex* spec) const {
    if (D == 1) {
      fftwf_execute_dft_r2c(fwd_, charge, spec);
      return;
    }
    std::memset(spec + static_cast<std::size_t>(m_) * (m_ + 1), 0,
                sizeof(fftwf_complex) * static_cast<std::size_t>(m_) * (m_ + 1));
    fftwf_execute_dft_r2c(rows_fwd_, charge, spec);
    fftwf_execute_dft(cols_fwd_, spec, spec);
  }
  void inverse_potential(fftwf_complex* spec, float* pot) const {
    if (D == 1) {
      fftwf_execute_dft_c2r(inv_, spec, pot);
      return;
    }
    fftwf_execute_dft(cols_inv_, spec, spec);
    fftwf_execute_dft_c2r(rows_inv_, spec, pot);
  }

  static void lagrange(double u, int p, double* w) {
    // Nodes at (k + 0.5) / p within the unit interval.
    for (int k = 0; k < p; ++k) {
      const double xk = (k + 0.5) / p;
      double v = 1.0;
      for (int l = 0; l < p; ++l) {
        if (l == k) continue;
        const double xl = (l + 0.5) / p;
        v *= (u - xl) / (xk - xl);
      }
      w[k] = v;
    }
  }

  std::size_t real_size() const {
    return D == 1 ? static_cast<std::size_t>(2 * m_)
                  : static_cast<std::size_t>(2 * m_) * static_cast<std::size_t>(2 * m_);
  }
  // Charges and potentials: the first m rows of the padded grid (the whole padded line in 1-D).
  std::size_t half_size() const {
    return D == 1 ? static_cast<std::size_t>(2 * m_)
                  : static_cast<std::size_t>(m_) * static_cast<std::size_t>(2 * m_);
  }
  std::size_t spec_size() const {
    return D == 1 ? static_cast<std::size_t>(m_ + 1)
                  : static_cast<std::size_t>(2 * m_) * static_cast<std::size_t>(m_ + 1);
  }

  template <class Exec>
  void fill_kernel(const TsneKernel& kern, double spacing, const Exec& exec) {
    const int L = 2 * m_;
    auto offset = [&](int a) { return a < m_ ? a : (a == m_ ? 0 : a - L); };
    exec.parallel_for(0, D == 1 ? 1 : L, [&](std::size_t r0, std::size_t r1) {
      for (std::size_t r = r0; r < r1; ++r) {
        const int rows = D == 1 ? 1 : L;
        (void)rows;
        for (int a = 0; a < L; ++a) {
          double d2;
          bool zero = false;
          if (D == 1) {
            const double dx = offset(a) * spacing;
            d2 = dx * dx;
            zero = (a == m_);
          } else {
            const double dx = offset(a) * spacing, dy = offset(static_cast<int>(r)) * spacing;
            d2 = dx * dx + dy * dy;
            zero = (a == m_ || static_cast<int>(r) == m_);
          }
          const std::size_t q = D == 1 ? a : r * L + a;
          if (zero) {
            kernel_[0][q] = 0.0;
            kernel_[1][q] = 0.0;
          } else {
            const double t = kern.t(d2), w = kern.w_from_t(t);
            kernel_[0][q] = static_cast<float>(w * t);
            kernel_[1][q] = static_cast<float>(w);
          }
        }
      }
    }, 16);
  }

  void prepare(int m) {
    if (m == m_) return;
    release();
    m_ = m;
    const std::size_t nr = real_size(), nh = half_size(), ns = spec_size();
    for (int a = 0; a < 2; ++a) {
      kernel_[a] = fftwf_alloc_real(nr);
      kspec_[a] = fftwf_alloc_complex(ns);
    }
    for (int a = 0; a < 3; ++a) {
      charge_[a] = fftwf_alloc_real(nh);
      cspec_[a] = fftwf_alloc_complex(ns);
    }
    for (int a = 0; a < 4; ++a) {
      prod_[a] = fftwf_alloc_complex(ns);
      pot_[a] = fftwf_alloc_real(nh);
    }
    bool ok = true;
    for (int a = 0; a < 2; ++a) ok = ok && kernel_[a] && kspec_[a];
    for (int a = 0; a < 3; ++a) ok = ok && charge_[a] && cspec_[a];
    for (int a = 0; a < 4; ++a) ok = ok && prod_[a] && pot_[a];
    if (!ok) {
      free_arrays();
      throw std::bad_alloc();
    }
    for (int a = 0; a < 3; ++a) std::memset(charge_[a], 0, sizeof(float) * nh);
    std::lock_guard<std::mutex> lock(fftw_planner_mutex());
    // FFTW_ESTIMATE, not MEASURE: measured plans are faster but chosen by timing, so they could
    // differ between runs and break reproducibility (same seed, same result).
    if (D == 1) {
      fwd_ = fftwf_plan_dft_r2c_1d(2 * m, kernel_[0], kspec_[0], FFTW_ESTIMATE);
      inv_ = fftwf_plan_dft_c2r_1d(2 * m, prod_[0], pot_[0], FFTW_ESTIMATE);
    } else {
      const int L = 2 * m, cols = m + 1;
      int len[1] = {L};
      fwd_ = fftwf_plan_dft_r2c_2d(L, L, kernel_[0], kspec_[0], FFTW_ESTIMATE);  // kernels
      rows_fwd_ = fftwf_plan_many_dft_r2c(1, len, m, charge_[0], nullptr, 1, L, cspec_[0], nullptr,
                                          1, cols, FFTW_ESTIMATE);
      cols_fwd_ = fftwf_plan_many_dft(1, len, cols, cspec_[0], nullptr, cols, 1, cspec_[0], nullptr,
                                      cols, 1, FFTW_FORWARD, FFTW_ESTIMATE);
      cols_inv_ = fftwf_plan_many_dft(1, len, cols, prod_[0], nullptr, cols, 1, prod_[0], nullptr,
                                      cols, 1, FFTW_BACKWARD, FFTW_ESTIMATE);
      rows_inv_ = fftwf_plan_many_dft_c2r(1, len, m, prod_[0], nullptr, 1, cols, pot_[0], nullptr,
                                          1, L, FFTW_ESTIMATE);
    }
  }

  void release() {
    if (m_ == 0) return;
    {
      std::lock_guard<std::mutex> lock(fftw_planner_mutex());
      for (fftwf_plan* pl : {&fwd_, &inv_, &rows_fwd_, &cols_fwd_, &cols_inv_, &rows_inv_}) {
        if (*pl) fftwf_destroy_plan(*pl);
        *pl = nullptr;
      }
    }
    free_arrays();
  }

  // fftwf_free(nullptr) is a no-op, so this also cleans up after a failed allocation.
  void free_arrays() {
    for (int a = 0; a < 2; ++a) {
      fftwf_free(kernel_[a]);
      fftwf_free(kspec_[a]);
    }
    for (int a = 0; a < 3; ++a) {
      fftwf_free(charge_[a]);
      fftwf_free(cspec_[a]);
    }
    for (int a = 0; a < 4; ++a) {
      fftwf_free(prod_[a]);
      fftwf_free(pot_[a]);
      prod_[a] = nullptr;
      pot_[a] = nullptr;
    }
    for (int a = 0; a < 3; ++a) charge_[a] = nullptr, cspec_[a] = nullptr;
    for (int a = 0; a < 2; ++a) kernel_[a] = nullptr, kspec_[a] = nullptr;
    m_ = 0;
  }

  FftParams par_;
  int m_ = 0;
  int nb_ = 0;
  double lo_ = 0.0, h_ = 0.0, dof_ = 0.0;
  fftwf_plan fwd_ = nullptr, inv_ = nullptr;  // 1-D transforms; in 2-D fwd_ serves the kernels
  fftwf_plan rows_fwd_ = nullptr, cols_fwd_ = nullptr, cols_inv_ = nullptr, rows_inv_ = nullptr;
  float* kernel_[2] = {};
  fftwf_complex* kspec_[2] = {};
  float* charge_[3] = {};
  fftwf_complex* cspec_[3] = {};
  fftwf_complex* prod_[4] = {};
  float* pot_[4] = {};
  std::vector<int> box_;
  std::vector<double> wts_;
  std::vector<int> row_start_, sorted_;
};

}  // namespace nembed

#endif
