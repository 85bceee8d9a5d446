// FFTW_ESTIMATE vs FFTW_MEASURE plans for the 2-D forward transform t-SNE's FFT repulsion runs
// (tsne_fft.hpp: m real rows r2c, then m + 1 strided complex columns), at the grid sizes
// fft_friendly() produces (nb intervals, 3 nodes each, padded length L = 6 nb). One thread, CPU ms
// per transform. nembed plans with FFTW_ESTIMATE because measured plans are chosen by timing and
// may differ from run to run (and with them the last bits of every force).
// Build and run: g++ -O2 bench/fftw-plans.cpp -o /tmp/fftw-plans -lfftw3 && /tmp/fftw-plans
#include <fftw3.h>

#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>

static double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

static bool friendly(int n) {
  for (int p : {2, 3, 5, 7})
    while (n % p == 0) n /= p;
  return n == 1;
}

int main() {
  std::printf("nb,L,estimate_ms,measure_ms,ratio\n");
  for (int nb = 50; nb <= 240; ++nb) {
    if (!friendly(nb)) continue;
    const int m = 3 * nb, L = 2 * m, cols = m + 1, rs = 2 * cols;
    const std::size_t ns = static_cast<std::size_t>(L) * cols;
    fftw_complex* buf = fftw_alloc_complex(ns);
    double* rbuf = reinterpret_cast<double*>(buf);
    int len[1] = {L};
    double ms[2];
    int k = 0;
    for (unsigned flag : {FFTW_ESTIMATE, FFTW_MEASURE}) {
      fftw_plan rows = fftw_plan_many_dft_r2c(1, len, m, rbuf, nullptr, 1, rs, buf, nullptr, 1,
                                              cols, flag);
      fftw_plan colp = fftw_plan_many_dft(1, len, cols, buf, nullptr, cols, 1, buf, nullptr, cols,
                                          1, FFTW_FORWARD, flag);
      std::memset(buf, 0, sizeof(fftw_complex) * ns);
      const int reps = nb < 120 ? 30 : 10;
      const double t0 = cpu_seconds();
      for (int r = 0; r < reps; ++r) {
        fftw_execute_dft_r2c(rows, rbuf, buf);
        fftw_execute_dft(colp, buf, buf);
      }
      ms[k++] = 1e3 * (cpu_seconds() - t0) / reps;
      fftw_destroy_plan(rows);
      fftw_destroy_plan(colp);
    }
    std::printf("%d,%d,%.3f,%.3f,%.2f\n", nb, L, ms[0], ms[1], ms[0] / ms[1]);
    fftw_free(buf);
  }
  return 0;
}
