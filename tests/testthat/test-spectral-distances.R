test_that("closed-form effective resistance equals the Laplacian pseudo-inverse form", {
  for (seed in 1:4) {
    g <- random_knn(40, 4, seed)
    A <- ref_adjacency(g$idx)
    for (corr in c(TRUE, FALSE)) {
      d <- spectral_distances(g, corrected = corr, n_threads = 1)
      expect_equal(attr(d, "spectral")$n_components, 1L)
      expect_lt(max(abs(as.matrix(d) - ref_resistance(A, corr))), 1e-8)
    }
  }
})

test_that("weighted effective resistance uses conductances 1/distance", {
  g <- random_knn(35, 3, 11)
  A <- ref_adjacency(g$idx, g$dist, weighted = TRUE)
  # random_knn's distances are not symmetric; the union keeps the larger conductance.
  A <- matrix(0, 35, 35)
  for (i in 1:35) for (j in 1:3) {
    a <- i; b <- g$idx[i, j]; w <- 1 / g$dist[i, j]
    A[a, b] <- max(A[a, b], w); A[b, a] <- max(A[b, a], w)
  }
  for (corr in c(TRUE, FALSE)) {
    d <- spectral_distances(g, corrected = corr, weighted = TRUE, n_threads = 2)
    expect_lt(max(abs(as.matrix(d) - ref_resistance(A, corr))), 1e-8)
  }
})

test_that("effective resistance on the cycle graph is l(n - l)/n, corrected as in the closed form", {
  for (n in c(11L, 12L)) {  # 12 is bipartite: lambda = 2 is in the spectrum
    d <- as.matrix(spectral_distances(cycle_knn(n), corrected = FALSE, n_threads = 1))
    dc <- as.matrix(spectral_distances(cycle_knn(n), corrected = TRUE, n_threads = 1))
    hops <- abs(outer(seq_len(n), seq_len(n), "-"))
    l <- pmin(hops, n - hops)
    R <- l * (n - l) / n
    expect_lt(max(abs(d - R)), 1e-10)
    Rc <- ifelse(l == 1, 1 / 2 - 1 / n, R - 1)
    diag(Rc) <- 0
    expect_lt(max(abs(dc - Rc)), 1e-10)
  }
})

test_that("diffusion distance equals the matrix-power definition", {
  g <- random_knn(30, 3, 5)
  A <- ref_adjacency(g$idx)
  for (t in c(1, 2, 8)) {
    d <- spectral_distances(g, method = "diffusion", t = t, n_threads = 1)
    ref <- ref_diffusion(A, t)
    expect_lt(max(abs(as.matrix(d) - ref)) / max(ref), 1e-8)
  }
  # Bipartite cycle: the lambda = 2 mode is not damped, and the formula still holds.
  A <- ref_adjacency(cycle_knn(10)$idx)
  d <- spectral_distances(cycle_knn(10), method = "diffusion", t = 3, n_threads = 1)
  expect_lt(max(abs(as.matrix(d) - ref_diffusion(A, 3))), 1e-8)
})

test_that("Laplacian-eigenmap distance uses the first non-trivial eigenvectors D^-1/2 u", {
  g <- random_knn(40, 4, 3)
  A <- ref_adjacency(g$idx)
  deg <- rowSums(A)
  Ls <- diag(40) - A / sqrt(outer(deg, deg))
  e <- eigen(Ls, symmetric = TRUE)
  o <- order(e$values)
  psi <- e$vectors[, o[2:4]] / sqrt(deg)
  d <- spectral_distances(g, method = "laplacian_eigenmap", n_eigen = 3, n_threads = 1)
  expect_lt(max(abs(as.matrix(d) - as.matrix(stats::dist(psi)))), 1e-8)
})

test_that("the truncated (Lanczos) spectrum gives the truncated sums", {
  X <- noisy_circle(n = 1100, dim = 5, sigma = 0.05, seed = 2)
  g <- knn_graph(X, k = 10, n_threads = 2)
  A <- ref_adjacency(g$idx)
  deg <- rowSums(A)
  e <- eigen(diag(1100) - A / sqrt(outer(deg, deg)), symmetric = TRUE)
  o <- order(e$values)[2:21]
  lam <- e$values[o]
  psi <- e$vectors[, o] / sqrt(deg)
  ref <- as.matrix(stats::dist(sweep(psi, 2, sqrt(sum(deg) * (1 - lam)^16), "*")))
  d <- spectral_distances(g, method = "diffusion", t = 8, n_eigen = 20, n_threads = 2)
  expect_true(attr(d, "spectral")$lanczos)
  expect_lt(max(abs(as.matrix(d) - ref)) / max(ref), 1e-6)
  ref_er <- as.matrix(stats::dist(sweep(psi, 2, (1 - lam) / sqrt(lam), "*")))^2
  expect_warning(d_er <- spectral_distances(g, n_eigen = 20, n_threads = 2),
                 class = "nembed_truncated_spectrum")
  expect_lt(max(abs(as.matrix(d_er) - ref_er)) / max(ref_er), 1e-6)
  # n_eigen = "exact": every eigenpair, equal to the pseudo-inverse route, and no warning.
  expect_no_warning(d_ex <- spectral_distances(g, n_eigen = "exact", n_threads = 2))
  expect_false(attr(d_ex, "spectral")$truncated)
  expect_lt(max(abs(as.matrix(d_ex) - ref_resistance(A, TRUE))), 1e-8)
  # The truncated sum drops non-negative terms: never above the exact one, and below on median.
  expect_true(all(as.numeric(d_er) <= as.numeric(d_ex) + 1e-12))
  expect_lt(stats::median(as.numeric(d_er) / as.numeric(d_ex)), 0.99)
})

test_that("n_eigen: automatic truncation above 3,000 points, \"exact\" and its checks", {
  expect_identical(nembed:::resolve_n_eigen(NULL, "effective_resistance", 3000L), 0L)
  expect_identical(nembed:::resolve_n_eigen(NULL, "effective_resistance", 3001L), 200L)
  expect_identical(nembed:::resolve_n_eigen(NULL, "diffusion", 3001L), 200L)
  expect_identical(nembed:::resolve_n_eigen("exact", "effective_resistance", 5000L), 0L)
  expect_identical(nembed:::resolve_n_eigen("exact", "diffusion", 5000L), 0L)
  X <- noisy_circle(n = 60, dim = 3, seed = 1)
  expect_error(spectral_distances(X, method = "laplacian_eigenmap", n_eigen = "exact"),
               class = "nembed_error_value")
  expect_error(spectral_distances(X, n_eigen = "all"), class = "nembed_error_type")
  # Truncated diffusion stays silent; truncated uncorrected resistance warns too.
  expect_no_warning(spectral_distances(X, method = "diffusion", n_eigen = 5, n_threads = 1))
  expect_warning(spectral_distances(X, corrected = FALSE, n_eigen = 5, n_threads = 1),
                 "Uncorrected effective resistance", class = "nembed_truncated_spectrum")
})

test_that("diffusion on a disconnected graph uses the whole graph's volume (dense route)", {
  # Two components of different sizes and volumes (30 and 12 points, far apart, k = 4). The dense definition on the whole graph,
  # D_t(i, j) = sqrt(vol G) ||(P^t_i - P^t_j) D^-1/2||, is the reference within each component.
  set.seed(7)
  X <- rbind(matrix(rnorm(30 * 3), 30), matrix(rnorm(12 * 3), 12) + 100)
  g <- knn_graph(X, k = 4, n_threads = 1)
  A <- ref_adjacency(g$idx)
  a <- 1:30
  b <- 31:42
  expect_equal(sum(A[a, b]), 0)
  ref <- ref_diffusion(A, 3)
  expect_warning(d <- spectral_distances(g, method = "diffusion", t = 3, n_threads = 2),
                 class = "nembed_disconnected_graph")
  D <- as.matrix(d)
  expect_lt(max(abs(D[a, a] - ref[a, a])) / max(ref[a, a]), 1e-9)
  expect_lt(max(abs(D[b, b] - ref[b, b])) / max(ref[b, b]), 1e-9)
  # The per-component volume would have scaled component b by sqrt(vol_b / vol G): not so.
  vol_b <- sum(A[b, b])
  expect_gt(max(abs(D[b, b] * sqrt(vol_b / sum(A)) - ref[b, b])), 0.1 * max(ref[b, b]))
})

test_that("disconnected graphs: per component, 2 x max across, and a warning", {
  set.seed(4)
  X <- rbind(matrix(rnorm(25 * 4), 25), matrix(rnorm(20 * 4), 20) + 50)
  expect_warning(d <- spectral_distances(X, k = 5, n_threads = 2),
                 class = "nembed_disconnected_graph")
  expect_warning(spectral_distances(X, k = 5, n_threads = 1), "disconnected: 2 components")
  D <- as.matrix(d)
  expect_false(anyNA(D))
  expect_true(all(is.finite(D)))
  a <- 1:25
  b <- 26:45
  g <- knn_graph(X, k = 5, n_threads = 1)
  A <- ref_adjacency(g$idx)
  ra <- ref_resistance(A[a, a], TRUE)
  rb <- ref_resistance(A[b, b], TRUE)
  expect_lt(max(abs(D[a, a] - ra)), 1e-8)
  expect_lt(max(abs(D[b, b] - rb)), 1e-8)
  expect_equal(unique(as.vector(D[a, b])), 2 * max(ra, rb))
  expect_equal(attr(d, "spectral")$n_components, 2L)
  expect_equal(attr(d, "spectral")$component, rep(1:2, c(25, 20)))
  # Same rule for diffusion.
  dd <- suppressWarnings(as.matrix(spectral_distances(X, "diffusion", k = 5, n_threads = 1)))
  expect_equal(unique(as.vector(dd[a, b])), 2 * max(dd[a, a], dd[b, b]))
})

test_that("results do not depend on the thread count, labels are kept, input is untouched", {
  X <- noisy_circle(n = 150, dim = 8, sigma = 0.1, seed = 3)
  rownames(X) <- paste0("p", 1:150)
  X0 <- X
  d1 <- spectral_distances(X, k = 10, n_threads = 1)
  d2 <- spectral_distances(X, k = 10, n_threads = 2)
  expect_identical(as.numeric(d1), as.numeric(d2))
  expect_identical(attr(d1, "Labels"), rownames(X))
  expect_identical(X, X0)
  expect_s3_class(d1, "dist")
  # A nembed_knn input gives the same as the data it was built from.
  g <- knn_graph(X, k = 10, n_threads = 1)
  expect_equal(as.numeric(spectral_distances(g, n_threads = 1)), as.numeric(d1))
})

test_that("bad inputs raise classed errors", {
  X <- noisy_circle(n = 50, dim = 3, seed = 1)
  expect_error(spectral_distances(X, method = "foo"), class = "nembed_error_value")
  expect_error(spectral_distances(X, k = 60), class = "nembed_error_size")
  expect_error(spectral_distances(X, t = -1), class = "nembed_error_value")
  expect_error(spectral_distances(X, n_eigen = 100), class = "nembed_error_size")
  expect_error(spectral_distances(X, corrected = NA), class = "nembed_error_type")
  expect_error(spectral_distances(letters), class = "nembed_error")
  expect_error(spectral_distances(matrix(c(1, NA), 25, 2)), class = "nembed_error_value")
})
