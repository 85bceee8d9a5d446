# The FFT repulsion's near/far split (tsne_fft.hpp, tsne_near.hpp): pairs closer than
# R = near_radius sqrt(dof) summed directly with the weight S, the far kernels K (1 - S) on a
# coarser grid.

test_that("the near weight is 1 at 0, 0 from the radius on, and smooth there", {
  x <- c(0, 0.25, 0.5, 0.999999, 1, 1.5)
  w <- near_weight(x)
  expect_equal(w[1], 1)
  expect_equal(w[5:6], c(0, 0))
  # Near 1 the polynomial cancels to within rounding of 0 (either sign).
  expect_lt(abs(w[4]), 1e-14)
  expect_true(all(diff(w) <= 1e-14))
  # Three vanishing derivatives at x = 1: S(1 - e) ~ 35 e^4.
  e <- 1e-3
  expect_equal(near_weight(1 - e) / e^4, 35, tolerance = 1e-2)
})

test_that("the near/far split equals its scheme computed densely", {
  # Dense reference (helper-fft.R): the far kernels interpolated between all grid nodes of all
  # points' boxes, plus the near field summed over all pairs; the FFT and the cell search must
  # give the same sums up to rounding. Layouts of 150 points in 10 clusters, so that many pairs
  # are within the radius (and many more beyond it).
  for (extent in c(60, 150)) {
    Y <- fft_test_layout(n = 150, extent = extent, seed = 7)
    for (dof in c(0.5, 1)) {
      for (radius in c(3, 4)) {
        g <- nembed_fft_grid(Y, intervals_per_unit = 1.25, near_radius = radius, dof = dof)
        ref <- ref_repulsion_interpolated(Y, g$lo, g$h, g$nb, dof, scheme = "vector",
                                          near_radius = radius)
        got <- nembed_repulsion(Y, dof, intervals_per_unit = 1.25, near_radius = radius,
                                near_always = TRUE)
        plain <- nembed_repulsion(Y, dof, intervals_per_unit = 1.25)
        info <- sprintf("extent %s, dof %s, radius %s, %d boxes", extent, dof, radius, g$nb)
        expect_lt(rel_error(got, ref), 1e-9, label = info)
        # The split really is another scheme than the plain grid's.
        expect_gt(rel_error(got, plain), 1e-4, label = info)
      }
    }
  }
})

test_that("the near/far split is at least as accurate as the plain grid", {
  # Against the exact sum, on clustered layouts of 2,000 points with t-SNE's spacing: the far
  # grid's boxes are 0.6 R wide (3 units at R = 4 and 1.25 intervals per unit, where the plain
  # grid's are 0.8), and S makes the far kernel smooth enough for them.
  for (extent in c(100, 300)) {
    Y <- fft_test_layout(n = 2000, extent = extent, n_clusters = 20, spread = 3, seed = 2)
    for (dof in c(0.5, 1)) {
      exact <- nembed_repulsion(Y, dof, repulsion = "exact", n_threads = 2L)
      plain <- nembed_repulsion(Y, dof, intervals_per_unit = 1.25, n_threads = 2L)
      split <- nembed_repulsion(Y, dof, intervals_per_unit = 1.25, near_radius = 4,
                                near_always = TRUE, n_threads = 2L)
      info <- sprintf("extent %s, dof %s", extent, dof)
      expect_lt(rel_error(split, exact), 0.03, label = info)
      expect_lte(rel_error(split, exact), rel_error(plain, exact), label = info)
    }
  }
})

test_that("the near field's AVX, SSE2 and portable loops give the same bits, for any thread count", {
  Y <- fft_test_layout(n = 1500, extent = 120, n_clusters = 15, spread = 3, seed = 4)
  paths <- nembed:::simd_paths_cpp()
  for (dof in c(1, 0.7)) {
    run <- function(n_threads, simd = NULL) {
      nembed_repulsion(Y, dof, intervals_per_unit = 1.25, near_radius = 4, near_always = TRUE,
                       n_threads = n_threads, simd = simd)
    }
    ref <- run(1L)
    expect_identical(run(2L), ref, label = sprintf("dof %s, 2 threads", dof))
    for (path in paths) {
      expect_identical(run(1L, path), ref, label = sprintf("dof %s, %s", dof, path))
      expect_identical(run(2L, path), ref, label = sprintf("dof %s, %s, 2 threads", dof, path))
    }
  }
})

test_that("the split is taken where it is cheaper, at the cheaper radius, and declined where dense", {
  # Sparse and wide (300 points over 250 units): the near field has few pairs and the plain grid
  # 945 nodes per dimension, so the default radius takes the split. Dense (3,000 points within
  # 60 units): hundreds of candidates per point, so it keeps the plain grid, bit for bit.
  sparse <- fft_test_layout(n = 300, extent = 250, seed = 8)
  auto <- nembed_repulsion(sparse, intervals_per_unit = 1.25, near_radius = 4)
  expect_identical(auto, nembed_repulsion(sparse, intervals_per_unit = 1.25, near_radius = 4,
                                          near_always = TRUE))
  expect_gt(rel_error(auto, nembed_repulsion(sparse, intervals_per_unit = 1.25)), 1e-4)
  dense <- fft_test_layout(n = 3000, extent = 60, n_clusters = 5, spread = 2, seed = 8)
  expect_identical(nembed_repulsion(dense, intervals_per_unit = 1.25, near_radius = 4),
                   nembed_repulsion(dense, intervals_per_unit = 1.25))
  # In between (2,000 points over 60 units, clusters of sd 4), the smaller radius (0.75 of
  # near_radius, tsne_fft.hpp's kNearRadiusSmall) is the cheapest: fewer near pairs than at 4,
  # a third of the plain grid's nodes.
  middle <- fft_test_layout(n = 2000, extent = 60, n_clusters = 5, spread = 4, seed = 8)
  auto <- nembed_repulsion(middle, intervals_per_unit = 1.25, near_radius = 4)
  expect_identical(auto, nembed_repulsion(middle, intervals_per_unit = 1.25, near_radius = 3,
                                          near_always = TRUE))
  expect_gt(rel_error(auto, nembed_repulsion(middle, intervals_per_unit = 1.25, near_radius = 4,
                                             near_always = TRUE)), 1e-4)
  expect_lt(rel_error(auto, ref_repulsion_exact(middle)), 0.05)
})

test_that("embed_tsne checks near_radius and records it; old records keep the plain grid", {
  X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
  expect_error(embed_tsne(X, near_radius = -1, n_threads = 1), class = "nembed_error",
               regexp = "near_radius")
  expect_error(embed_tsne(X, near_radius = NA, n_threads = 1), class = "nembed_error",
               regexp = "near_radius")
  emb <- embed_tsne(X, perplexity = 10, n_iter = 60, n_threads = 1, seed = 1)
  expect_identical(embedding_record(emb)$params$near_radius, 4)
  expect_identical(nembed:::check_tsne_params(list(
    early_exaggeration = 12, exaggeration = 1, momentum = 0.5, final_momentum = 0.8, dof = 1,
    theta = 0.5, n_interp = 3L, min_intervals = 50L, intervals_per_unit = 1.25,
    max_step_norm = 5, eval_every = 50L))$near_radius, 0)
})

test_that("the split is not taken where its cells would be too many", {
  # At most 4,096 near-field cells (about half a radius each) per dimension: with a radius of 2
  # and the far boxes of intervals_per_unit = 0.05 (30 units, the plain grid's 20), a layout
  # 4,000 units wide would need about 4,400, so even a forced split keeps the plain grid; at
  # 1,500 units wide (1,650 cells) it is taken.
  for (extent in c(1500, 4000)) {
    Y <- fft_test_layout(n = 200, extent = extent, seed = 9)
    plain <- nembed_repulsion(Y, intervals_per_unit = 0.05)
    forced <- nembed_repulsion(Y, intervals_per_unit = 0.05, near_radius = 2, near_always = TRUE)
    if (extent > 2000) expect_identical(forced, plain) else expect_gt(rel_error(forced, plain), 1e-6)
  }
})

test_that("a layout far narrower than the radius keeps the plain grid at once", {
  # The start of every run (a PCA or random layout of sd 1e-4): the split's cells are sized only
  # once the layout is at least 8 far boxes wide. Sizing them first, for boxes of 1e-6 units,
  # took a loop over (R / 1e-6)^2 cells' reaches: the run hung.
  set.seed(3)
  Y <- matrix(rnorm(400, sd = 1e-6), 200)
  expect_identical(nembed_repulsion(Y, intervals_per_unit = 1.25, near_radius = 4),
                   nembed_repulsion(Y, intervals_per_unit = 1.25))
})
