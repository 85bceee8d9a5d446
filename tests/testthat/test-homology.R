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

# The engines available here: the Ripser program and/or the ripserr package.
ph_engines <- function() {
  c(if (nzchar(nembed:::ripser_program())) "ripser",
    if (requireNamespace("ripserr", quietly = TRUE)) "ripserr")
}

skip_without_engine <- function(engine = NULL) {
  have <- ph_engines()
  if (is.null(engine)) skip_if(length(have) == 0L, "neither the Ripser program nor ripserr")
  for (e in engine) {
    skip_if_not(e %in% have, sprintf("persistent homology engine \"%s\" is not available", e))
  }
}

# Diagrams `a` and `b` agree: same number of features in each dimension, the same features that
# never die, and sorted births, deaths and lifetimes equal to `tol` relative (of the largest
# finite death for lifetimes). The Ripser program prints 6 significant digits: tol = 1e-5.
expect_same_diagram <- function(a, b, tol = 1e-5, label = "") {
  expect_setequal(unique(a$dimension), unique(b$dimension))
  scale <- max(c(a$death, b$death)[is.finite(c(a$death, b$death))], 1e-300)
  rel <- function(x, y) if (length(x)) max(abs(x - y) / pmax(abs(y), 1e-300)) else 0
  for (k in unique(b$dimension)) {
    x <- a[a$dimension == k, ]
    y <- b[b$dimension == k, ]
    lab <- sprintf("%s H%d", label, k)
    expect_identical(nrow(x), nrow(y), label = paste(lab, "count"))
    if (nrow(x) != nrow(y)) next
    expect_identical(sum(is.infinite(x$death)), sum(is.infinite(y$death)), label = paste(lab, "Inf"))
    expect_lt(rel(sort(x$birth), sort(y$birth)), tol, label = paste(lab, "births"))
    fx <- sort(x$death[is.finite(x$death)])
    fy <- sort(y$death[is.finite(y$death)])
    if (length(fx) == length(fy)) expect_lt(rel(fx, fy), tol, label = paste(lab, "deaths"))
    lx <- sort(x$death - x$birth)
    ly <- sort(y$death - y$birth)
    fin <- is.finite(lx) & is.finite(ly)
    expect_lt(max(abs(lx[fin] - ly[fin]), 0) / scale, tol, label = paste(lab, "lifetimes"))
  }
}

# n points evenly spaced on the unit circle, as chord lengths of exactly tied cyclic distances:
# Adamaszek & Adams (2017) give the Vietoris-Rips complex when edges up to cyclic distance k are
# in: a circle while k/n < 1/3, a wedge of n - 2k - 1 two-spheres at k/n = 1/3, a 5-sphere for
# 2/5 < k/n < 3/7.
cycle_distances <- function(n) {
  i <- seq_len(n) - 1L
  k <- outer(i, i, function(a, b) pmin(abs(a - b), n - abs(a - b)))
  2 * sin(pi * k / n)
}

test_that("both engines give textbook diagrams: square, points on a circle, threshold", {
  skip_without_engine()
  chord <- function(k, n) 2 * sin(pi * k / n)
  for (engine in ph_engines()) {
    # Unit square: the loop is born with the sides and dies with the diagonals.
    sq <- stats::dist(rbind(c(0, 0), c(1, 0), c(1, 1), c(0, 1)))
    ph <- persistent_homology(sq, engine = engine)
    expect_identical(attr(ph, "engine"), engine)
    expect_same_diagram(ph, data.frame(dimension = c(0L, 0L, 0L, 0L, 1L),
                                       birth = c(0, 0, 0, 0, 1),
                                       death = c(Inf, 1, 1, 1, sqrt(2))), label = engine)
    # 10 points: the loop dies at cyclic distance 4 (4/10 > 1/3).
    ph <- persistent_homology(cycle_distances(10), engine = engine)
    expect_same_diagram(ph, data.frame(dimension = c(rep(0L, 10), 1L), birth = c(rep(0, 10), chord(1, 10)),
                                       death = c(Inf, rep(chord(1, 10), 9), chord(4, 10))),
                        label = engine)
    # 12 points up to H2: the loop dies at k = 4 (equilateral triangles), when 3 voids are born
    # (12 - 8 - 1), and these die at k = 5.
    ph <- persistent_homology(cycle_distances(12), max_dim = 2, engine = engine)
    expect_same_diagram(ph, data.frame(
      dimension = c(rep(0L, 12), 1L, 2L, 2L, 2L),
      birth = c(rep(0, 12), chord(1, 12), rep(chord(4, 12), 3)),
      death = c(Inf, rep(chord(1, 12), 11), chord(4, 12), rep(chord(5, 12), 3))), label = engine)
    # A threshold before the loop fills in: the loop never dies; max_dim = 0 keeps only H0.
    ph <- persistent_homology(cycle_distances(12), threshold = chord(3, 12), engine = engine)
    expect_identical(ph$death[ph$dimension == 1L], Inf)
    expect_equal(ph$birth[ph$dimension == 1L], chord(1, 12), tolerance = 1e-5)
    ph <- persistent_homology(cycle_distances(12), threshold = chord(1, 12) / 2, engine = engine)
    expect_identical(ph$death, rep(Inf, 12))
    expect_identical(unique(persistent_homology(cycle_distances(12), max_dim = 0,
                                                engine = engine)$dimension), 0L)
    # Two points, and the scale of the distances does not matter (Ripser works in float).
    expect_equal(persistent_homology(stats::dist(c(0, 3)), engine = engine)$death, c(Inf, 3))
    for (s in c(1e-30, 1e30)) {
      ph <- persistent_homology(sq * s, engine = engine)
      expect_equal(ph$death[ph$dimension == 1L] / s, sqrt(2), tolerance = 1e-5)
    }
  }
})

test_that("the Ripser program and ripserr give the same diagrams on noisy circles", {
  skip_without_engine(c("ripser", "ripserr"))
  X <- noisy_circle(n = 60, dim = 5, sigma = 0.05, seed = 7)
  Y <- noisy_circle(n = 30, dim = 4, sigma = 0.2, seed = 2)
  cases <- list(
    euclidean = list(d = stats::dist(X)),
    effective_resistance = list(d = spectral_distances(X, k = 8, n_threads = 1)),
    threshold = list(d = stats::dist(X), threshold = 0.3),
    h0 = list(d = stats::dist(X), max_dim = 0),
    h2 = list(d = stats::dist(Y), max_dim = 2))
  for (nm in names(cases)) {
    args <- cases[[nm]]
    a <- do.call(persistent_homology, c(args, engine = "ripser"))
    b <- do.call(persistent_homology, c(args, engine = "ripserr"))
    expect_identical(attr(a, "engine"), "ripser")
    expect_identical(attr(b, "engine"), "ripserr")
    expect_same_diagram(a, b, label = nm)
  }
  # A clean circle has one dominant loop.
  expect_gt(detection_score(persistent_homology(stats::dist(X), engine = "ripser")), 0.8)
})

test_that("engine choice: auto prefers the program, missing or failing engines raise classed errors", {
  skip_without_engine()
  d <- stats::dist(noisy_circle(n = 20, dim = 3, sigma = 0.05, seed = 1))
  expect_identical(attr(persistent_homology(d), "engine"), ph_engines()[1])
  expect_error(persistent_homology(d, engine = "java"), class = "nembed_error_value")
  # The program is found by the option (here a path with a space) before the search path.
  if ("ripser" %in% ph_engines()) {
    spaced <- file.path(withr::local_tempdir(), "a dir", "my ripser")
    dir.create(dirname(spaced))
    file.symlink(nembed:::ripser_program(), spaced)
    withr::with_options(list(nembed.ripser = spaced), {
      expect_identical(nembed:::ripser_program(), spaced)
      expect_equal(persistent_homology(d, engine = "ripser"), persistent_homology(d),
                   ignore_attr = FALSE)
    })
  }
  withr::local_options(nembed.ripser = file.path(tempdir(), "no-such-ripser"))
  expect_error(persistent_homology(d, engine = "ripser"), "no-such-ripser",
               class = "nembed_error_dependency")
  expect_error(persistent_homology(stats::dist(c(0, 1)), engine = "ripser"),
               class = "nembed_error_dependency")
  if (requireNamespace("ripserr", quietly = TRUE)) {
    expect_identical(attr(persistent_homology(d), "engine"), "ripserr")
  }
  # A program that fails, or prints no diagram, is an error, not an empty diagram.
  skip_on_os("windows")
  withr::local_options(nembed.ripser = unname(Sys.which("false")))
  expect_error(persistent_homology(d, engine = "ripser"), "status 1", class = "nembed_error_dependency")
  withr::local_options(nembed.ripser = unname(Sys.which("true")))
  expect_error(persistent_homology(d, engine = "ripser"), "output", class = "nembed_error_dependency")
  # The environment variable is the fallback for the option.
  withr::local_options(nembed.ripser = NULL)
  withr::local_envvar(NEMBED_RIPSER = unname(Sys.which("false")))
  expect_error(persistent_homology(d, engine = "ripser"), "status 1", class = "nembed_error_dependency")
})

test_that("persistent_homology accepts matrices, honours threshold and rejects bad input", {
  skip_without_engine()
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
  skip_without_engine()
  X <- noisy_circle(n = 300, dim = 50, sigma = 0.25, seed = 1)
  s_euc <- detection_score(persistent_homology(stats::dist(X)))
  s_eff <- detection_score(persistent_homology(spectral_distances(X, k = 30, n_threads = 2)))
  expect_gt(s_eff, 0.5)
  expect_gt(s_eff, s_euc + 0.3)
})
