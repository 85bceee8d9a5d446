test_that("detection score follows the paper's outlier_score with the death/birth filter", {
  ph <- function(b, d, dim = 1L) data.frame(dimension = dim, birth = b, death = d)
  dg <- ph(c(0.2, 0.3, 0.25), c(1.2, 0.4, 0.3))      # lifetimes 1, 0.1, 0.05
  expect_equal(detection_score(dg), 0.9)
  expect_equal(detection_score(dg, n_features = 2), 0.5)
  expect_equal(detection_score(dg, n_features = 3), 1)  # exactly m features
  expect_equal(detection_score(dg, n_features = 4), 0)  # fewer than m
  expect_equal(detection_score(dg, n_features = 0), 1 - 0.9)
  # No feature with death/birth > 1.25: the diagram is emptied.
  flat <- ph(c(1, 2, 3), c(1.2, 2.4, 3.7))
  expect_equal(detection_score(flat), 0)
  expect_equal(detection_score(flat, n_features = 0), 1)
  # One feature passing keeps all of them ("binary" filter).
  one <- ph(c(1, 2, 3), c(1.3, 2.4, 3.7))               # lifetimes 0.3, 0.4, 0.7
  expect_equal(detection_score(one), (0.7 - 0.4) / 0.7)
  # Features born at 0 pass the filter; other dimensions and infinite deaths are ignored.
  mixed <- rbind(ph(c(0, 0), c(0.5, Inf), dim = 0L), ph(c(0, 0.1), c(2, 0.15)))
  expect_equal(detection_score(mixed), (2 - 0.05) / 2)
  expect_equal(detection_score(mixed, dim = 0), 1)
  expect_equal(detection_score(data.frame(dimension = integer(0), birth = numeric(0), death = numeric(0))), 0)
  expect_error(detection_score(list(1)), class = "nembed_error_type")
  expect_error(detection_score(dg, n_features = -1), class = "nembed_error_value")
})

read_ripser_cli <- function(D, dim = 1) {
  f <- tempfile(fileext = ".txt")
  on.exit(unlink(f))
  utils::write.table(format(D, digits = 17), f, row.names = FALSE, col.names = FALSE, quote = FALSE)
  out <- system2("/usr/bin/ripser", c("--format", "distance", "--dim", dim, f), stdout = TRUE)
  cur <- NA_integer_
  rows <- list()
  for (line in out) {
    m <- regmatches(line, regexec("persistence intervals in dim ([0-9]+)", line))[[1]]
    if (length(m)) { cur <- as.integer(m[2]); next }
    m <- regmatches(line, regexec("\\[([^,]+),([^)]*)\\)", line))[[1]]
    if (length(m)) {
      death <- if (trimws(m[3]) == "") Inf else as.numeric(m[3])
      rows[[length(rows) + 1]] <- data.frame(dimension = cur, birth = as.numeric(m[2]), death = death)
    }
  }
  do.call(rbind, rows)
}

sorted_intervals <- function(x, dim) {
  x <- x[x$dimension == dim, ]
  x[order(x$death - x$birth, x$birth), c("birth", "death")]
}

test_that("persistent_homology matches the Ripser command-line program", {
  skip_if_not_installed("ripserr")
  skip_if_not(file.exists("/usr/bin/ripser"), "Debian's ripser CLI is not installed")
  X <- noisy_circle(n = 60, dim = 5, sigma = 0.05, seed = 7)
  for (d in list(stats::dist(X), spectral_distances(X, k = 8, n_threads = 1))) {
    ph <- persistent_homology(d, max_dim = 1)
    expect_s3_class(ph, "nembed_persistence")
    expect_named(ph, c("dimension", "birth", "death"))
    cli <- read_ripser_cli(as.matrix(d), dim = 1)
    for (k in 0:1) {
      a <- sorted_intervals(ph, k)
      b <- sorted_intervals(cli, k)
      expect_equal(nrow(a), nrow(b))
      # The CLI prints 6 significant digits.
      expect_equal(unname(as.matrix(a)), unname(as.matrix(b)), tolerance = 1e-5)
    }
    expect_equal(sum(is.infinite(ph$death)), 1L)
  }
  # A clean circle has one dominant loop.
  expect_gt(detection_score(persistent_homology(stats::dist(X))), 0.8)
})

test_that("persistent_homology accepts matrices, honours threshold and rejects bad input", {
  skip_if_not_installed("ripserr")
  X <- noisy_circle(n = 40, dim = 3, sigma = 0.02, seed = 1)
  d <- stats::dist(X)
  ph <- persistent_homology(d)
  expect_equal(persistent_homology(as.matrix(d)), ph)
  ph0 <- persistent_homology(d, max_dim = 0)
  expect_true(all(ph0$dimension == 0L))
  expect_equal(ph0, ph[ph$dimension == 0L, ], ignore_attr = TRUE)
  pt <- persistent_homology(d, threshold = 0.05)
  expect_true(all(pt$birth <= 0.05))
  expect_gt(sum(is.infinite(pt$death)), 1L)
  expect_error(persistent_homology(X), class = "nembed_error_size")
  expect_error(persistent_homology(-as.matrix(d)), class = "nembed_error_value")
  m <- as.matrix(d); m[1, 2] <- NA
  expect_error(persistent_homology(m), class = "nembed_error_value")
  m <- as.matrix(d); m[1, 2] <- m[1, 2] + 1
  expect_error(persistent_homology(m), class = "nembed_error_value")
  expect_error(persistent_homology("a"), class = "nembed_error_type")
  expect_error(persistent_homology(d, max_dim = 3), class = "nembed_error_size")
  expect_error(persistent_homology(d, threshold = 0), class = "nembed_error_value")
})

test_that("persistence diagrams plot with base graphics and ggplot2", {
  ph <- as_persistence(data.frame(dimension = c(0, 0, 1, 1), birth = c(0, 0, 0.3, 0.5),
                                  death = c(0.2, Inf, 1.6, 0.7)))
  expect_s3_class(ph, "nembed_persistence")
  expect_equal(ph$death[ph$dimension == 1], c(1.6, 0.7))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(ph), ph)
  skip_if_not_installed("ggplot2")
  p <- ggplot2::autoplot(ph)
  expect_s3_class(p, "ggplot")
  expect_silent(ggplot2::ggplot_build(p))
  expect_error(as_persistence(data.frame(a = 1)), class = "nembed_error_type")
})

test_that("shape generators: geometry, reproducibility, RNG left alone", {
  set.seed(99)
  before <- stats::runif(1)
  set.seed(99)
  C <- noisy_circle(n = 100, dim = 7, sigma = 0, seed = 3)
  expect_identical(stats::runif(1), before)  # the user's stream continues unchanged
  expect_equal(dim(C), c(100L, 7L))
  expect_equal(rowSums(C^2), rep(1, 100))
  expect_equal(sqrt(sum((C[1, ] - C[2, ])^2)), 2 * sin(pi / 100))  # equispaced, radius 1
  expect_equal(qr(C)$rank, 2L)
  expect_identical(noisy_circle(50, 10, 0.1, seed = 1), noisy_circle(50, 10, 0.1, seed = 1))
  expect_false(identical(noisy_circle(50, 10, 0.1, seed = 1), noisy_circle(50, 10, 0.1, seed = 2)))
  N <- noisy_circle(n = 2000, dim = 20, sigma = 0.3, seed = 1) - noisy_circle(2000, 20, 0, seed = 1)
  expect_equal(stats::sd(as.vector(N)), 0.3, tolerance = 0.02)
  S <- noisy_sphere(n = 200, dim = 6, sigma = 0, seed = 1)
  expect_equal(rowSums(S^2), rep(1, 200))
  expect_equal(qr(S)$rank, 3L)
  Tr <- noisy_torus(n = 300, dim = 6, sigma = 0, seed = 1)
  r <- sqrt(rowSums(Tr^2))
  expect_true(all(r >= 1 - 1e-12 & r <= 3 + 1e-12))
  L <- noisy_linked_circles(n = 101, dim = 5, sigma = 0, seed = 1)
  expect_equal(dim(L), c(101L, 5L))
  expect_equal(rowSums(L[1:50, ]^2), rep(1, 50))       # first circle around the origin
  c2 <- L[51:101, ]
  centre <- colMeans(c2)
  expect_equal(sqrt(sum(centre^2)), 1)                  # second centred on the first's rim
  expect_equal(sqrt(rowSums(sweep(c2, 2, centre)^2)), rep(1, 51))
  expect_error(noisy_circle(n = 2), class = "nembed_error_value")
  expect_error(noisy_sphere(dim = 2), class = "nembed_error_value")
  expect_error(noisy_circle(sigma = -1), class = "nembed_error_value")
})

test_that("spectral distances find the loop that Euclidean distances lose in noise", {
  skip_if_not_installed("ripserr")
  X <- noisy_circle(n = 300, dim = 50, sigma = 0.25, seed = 1)
  s_euc <- detection_score(persistent_homology(stats::dist(X)))
  s_eff <- detection_score(persistent_homology(spectral_distances(X, k = 30, n_threads = 2)))
  expect_gt(s_eff, 0.5)
  expect_gt(s_eff, s_euc + 0.3)
})
