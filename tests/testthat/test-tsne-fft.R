# The FFT repulsion's schedule of transforms (tsne_fft.hpp, convolve()): rounds of as many
# transforms as threads, or one charge at a time on large grids. Whatever the rounds, every
# transform does the same arithmetic, so the forces must not depend on the thread count; and
# both paths must agree with the exact sum.

test_that("FFT repulsion is identical for 1, 2 and 3 threads, on small and large grids, 1-D and 2-D", {
  # Extent 60: one work buffer per charge (rounds of transforms). Extent 420: 486 intervals, 1,458
  # nodes per dimension, just past the 64 MB per buffer from which the charges are transformed one
  # at a time.
  for (extent in c(60, 420)) for (dof in c(0.5, 1)) {
    Y <- fft_test_layout(n = 150, extent = extent, seed = 4)
    for (d in 1:2) {
      Yd <- Y[, seq_len(d), drop = FALSE]
      g1 <- nembed_repulsion(Yd, dof, intervals_per_unit = 1.25, n_threads = 1)
      info <- sprintf("extent %g, dof %g, %d-D", extent, dof, d)
      expect_identical(nembed_repulsion(Yd, dof, intervals_per_unit = 1.25, n_threads = 2), g1, label = info)
      expect_identical(nembed_repulsion(Yd, dof, intervals_per_unit = 1.25, n_threads = 3), g1, label = info)
      # And it is the repulsion: against the dense sum (2-D reference; 1-D from the same formula).
      ex <- if (d == 2) ref_repulsion_exact(Yd, dof) else {
        D2 <- outer(Yd[, 1], Yd[, 1], "-")^2
        Tm <- 1 / (1 + D2 / dof); W <- Tm^dof; diag(W) <- 0; A <- W * Tm
        -(rowSums(A) * Yd - A %*% Yd) / sum(W)
      }
      expect_lt(rel_error(g1, ex), 0.05, label = info)
    }
  }
})
