# Wasserstein distances between units: closed forms, an independent R reference, brute-force
# optimal transport, and the embedding on the hierarchical Gaussian mixture.

# Samples whose mean and unbiased covariance are exactly `mu` and `S`.
exact_moment_sample <- function(mu, S, n, seed) {
  F <- length(mu)
  Z <- with_seed(seed, matrix(stats::rnorm(n * F), n, F))
  Z <- sweep(Z, 2, colMeans(Z))
  Z <- Z %*% solve(chol(stats::cov(Z)))
  sweep(Z %*% chol(S), 2, mu, "+")
}

# Independent reference: Gaussian W2 with lambda mixing, by R's eigen().
sqrtm_ref <- function(S) {
  e <- eigen((S + t(S)) / 2, symmetric = TRUE)
  e$vectors %*% diag(sqrt(pmax(e$values, 0)), nrow(S)) %*% t(e$vectors)
}
gaussian_w2_ref <- function(m1, S1, m2, S2, lambda = 0.5) {
  r2 <- sqrtm_ref(S2)
  bures <- sum(diag(S1 + S2 - 2 * sqrtm_ref(r2 %*% S1 %*% r2)))
  sqrt(2 - 4 * (lambda - 0.5)^2) * sqrt((1 - lambda) * sum((m1 - m2)^2) + lambda * max(bures, 0))
}
unit_moments_ref <- function(X, groups) {
  f <- factor(groups)
  lapply(split(as.data.frame(X), f), function(d) {
    d <- as.matrix(d)
    list(mean = colMeans(d),
         cov = if (nrow(d) > 1) stats::cov(d) else matrix(0, ncol(d), ncol(d)))
  })
}
w2_matrix_ref <- function(X, groups, lambda = 0.5) {
  mo <- unit_moments_ref(X, groups)
  U <- length(mo)
  D <- matrix(0, U, U, dimnames = list(names(mo), names(mo)))
  for (i in seq_len(U)) for (j in seq_len(U)) if (i != j) {
    D[i, j] <- gaussian_w2_ref(mo[[i]]$mean, mo[[i]]$cov, mo[[j]]$mean, mo[[j]]$cov, lambda)
  }
  D
}

# Brute-force W2 between two equal-size sample sets: minimum over all assignments.
all_permutations <- function(n) {
  if (n == 1) return(matrix(1L, 1, 1))
  p <- all_permutations(n - 1)
  do.call(rbind, lapply(seq_len(n), function(i) cbind(i, ifelse(p >= i, p + 1L, p))))
}
brute_force_w2 <- function(A, B) {
  C <- as.matrix(stats::dist(rbind(A, B)))[seq_len(nrow(A)), nrow(A) + seq_len(nrow(B))]^2
  perms <- all_permutations(nrow(A))
  costs <- apply(perms, 1, function(p) mean(C[cbind(seq_len(nrow(A)), p)]))
  sqrt(min(costs))
}

random_spd <- function(F, seed) {
  A <- with_seed(seed, matrix(stats::rnorm(F * F), F))
  crossprod(A) + diag(0.1, F)
}

test_that("the paper's two 2-D Gaussians give W2 = 11.668 and the published D_lambda values", {
  m <- rbind(c(10, 15), c(20, 15))
  S <- list(matrix(c(14, -11, -11, 14), 2), matrix(c(27.5, 22.5, 22.5, 27.5), 2))
  expected <- c(`0` = 10.0, `0.25` = 12.127, `0.5` = 11.668, `0.75` = 9.549, `1` = 6.012)
  for (l in names(expected)) {
    d <- gaussian_wasserstein_moments(m, S, lambda = as.numeric(l))
    expect_equal(as.numeric(d), expected[[l]], tolerance = 5e-4 / expected[[l]], label = l)
  }
  # The same through the public API, from samples constructed to have exactly these moments.
  X <- rbind(exact_moment_sample(m[1, ], S[[1]], 40, 1), exact_moment_sample(m[2, ], S[[2]], 60, 2))
  g <- rep(c("G1", "G2"), c(40, 60))
  for (l in names(expected)) {
    d <- wasserstein_distances(X, g, lambda = as.numeric(l), n_threads = 1)
    expect_equal(as.numeric(d), expected[[l]], tolerance = 5e-4 / expected[[l]], label = l)
  }
  # Squared parts: ||dm||^2 = 100 and Bures^2 = 36.144.
  d1 <- wasserstein_distances(X, g, lambda = 1, n_threads = 1)
  expect_equal(as.numeric(d1)^2, 36.144, tolerance = 1e-4)
})

test_that("equal covariances give the distance between the means", {
  S <- random_spd(5, 3)
  mus <- with_seed(4, matrix(stats::rnorm(15, sd = 3), 3))
  X <- do.call(rbind, lapply(1:3, function(u) exact_moment_sample(mus[u, ], S, 20 + u, 10 + u)))
  g <- rep(c("a", "b", "c"), 20 + 1:3)
  d <- as.matrix(wasserstein_distances(X, g, n_threads = 1))
  expect_equal(unname(d), unname(as.matrix(stats::dist(mus))), tolerance = 1e-6)
  # The covariance part alone vanishes.
  d1 <- wasserstein_distances(X, g, lambda = 1, n_threads = 1)
  expect_lt(max(d1), 1e-5)
})

test_that("1-D units: W2^2 = (m1 - m2)^2 + (s1 - s2)^2 with unbiased standard deviations", {
  x <- with_seed(5, c(stats::rnorm(25, 1, 2), stats::rnorm(40, -3, 0.5), stats::runif(17)))
  g <- rep(1:3, c(25, 40, 17))
  d <- as.matrix(wasserstein_distances(x, g, n_threads = 1))
  m <- tapply(x, g, mean)
  s <- tapply(x, g, stats::sd)
  ref <- sqrt(outer(m, m, "-")^2 + outer(s, s, "-")^2)
  expect_equal(unname(d), unname(ref), tolerance = 1e-10)
  expect_equal(rownames(d), c("1", "2", "3"))
})

test_that("commuting covariances: Bures^2 = sum (sqrt(a) - sqrt(b))^2", {
  Q <- qr.Q(qr(with_seed(6, matrix(stats::rnorm(16), 4))))
  a <- c(4, 1, 0.25, 9)
  b <- c(1, 1, 4, 0.01)
  S <- list(Q %*% diag(a) %*% t(Q), Q %*% diag(b) %*% t(Q))
  m <- rbind(c(0, 0, 0, 0), c(1, 2, 0, -1))
  bures <- sum((sqrt(a) - sqrt(b))^2)
  expect_equal(as.numeric(gaussian_wasserstein_moments(m, S, lambda = 1)), sqrt(bures),
               tolerance = 1e-8)
  expect_equal(as.numeric(gaussian_wasserstein_moments(m, S)), sqrt(6 + bures), tolerance = 1e-8)
})

test_that("general units match an independent R reference for every lambda, on any thread count", {
  X <- with_seed(7, matrix(stats::rnorm(60 * 4), 60) %*% matrix(stats::rnorm(16), 4))
  g <- with_seed(8, sample(letters[1:7], 60, replace = TRUE))
  for (l in c(0, 0.1, 0.5, 0.8, 1)) {
    d1 <- wasserstein_distances(X, g, lambda = l, n_threads = 1)
    d2 <- wasserstein_distances(X, g, lambda = l, n_threads = 2)
    expect_identical(as.numeric(d1), as.numeric(d2))
    expect_equal(unname(as.matrix(d1)), unname(w2_matrix_ref(X, g, l)), tolerance = 1e-7)
  }
})

test_that("many units in parallel agree with serial and the reference (pair indexing)", {
  X <- with_seed(9, matrix(stats::rnorm(3 * 300), 300))
  g <- rep(1:60, each = 5)
  d1 <- wasserstein_distances(X, g, n_threads = 1)
  d2 <- wasserstein_distances(X, g, n_threads = 2)
  expect_identical(as.numeric(d1), as.numeric(d2))
  ref <- w2_matrix_ref(X, g)
  expect_equal(unname(as.matrix(d2)), unname(ref), tolerance = 1e-6)
})

test_that("pairs spanning several interrupt batches land in the right dist cells", {
  X <- with_seed(21, matrix(stats::rnorm(2 * 900), 900))
  g <- rep(1:300, each = 3)  # 44,850 pairs: more than one batch of 32,768
  means <- apply(X, 2, function(col) tapply(col, g, mean))
  d0 <- wasserstein_distances(X, g, lambda = 0, n_threads = 2)
  expect_equal(as.numeric(d0), as.numeric(stats::dist(means)), tolerance = 1e-10)
  d1 <- as.matrix(wasserstein_distances(X, g, lambda = 1, n_threads = 2))
  mo <- unit_moments_ref(X, g)
  for (p in list(c(1, 2), c(299, 300), c(150, 7), c(300, 1), c(257, 256))) {
    ref <- gaussian_w2_ref(mo[[p[1]]]$mean, mo[[p[1]]]$cov, mo[[p[2]]]$mean, mo[[p[2]]]$cov, 1)
    expect_equal(d1[p[1], p[2]], ref, tolerance = 1e-6)
  }
})

test_that("one-sample units and singular covariances give finite, correct distances", {
  S <- random_spd(3, 11)
  big <- exact_moment_sample(c(1, 2, 3), S, 50, 12)
  X <- rbind(big, c(0, 0, 0), c(5, 5, 5), c(1, 1, 1), c(2, 0, 1))
  g <- c(rep("big", 50), "p1", "p2", "pair", "pair")
  d <- as.matrix(wasserstein_distances(X, g, n_threads = 1))
  expect_false(anyNA(d))
  expect_true(all(is.finite(d)))
  # Two point masses: their Euclidean distance.
  expect_equal(d["p1", "p2"], sqrt(75), tolerance = 1e-12)
  # A point mass against N(m, S): W2^2 = ||m - x||^2 + tr(S).
  expect_equal(d["big", "p1"], sqrt(sum(c(1, 2, 3)^2) + sum(diag(S))), tolerance = 1e-8)
  # A two-sample unit in 3-D (rank-1 covariance) against the reference.
  ref <- w2_matrix_ref(X, g)
  expect_equal(d["pair", "big"], ref["pair", "big"], tolerance = 1e-6)
  expect_equal(d["pair", "p1"], ref["pair", "p1"], tolerance = 1e-6)
})

test_that("the result is a symmetric labelled dist with zero diagonal", {
  X <- with_seed(13, matrix(stats::rnorm(80), 40))
  g <- factor(rep(c("z", "y", "x", "w"), each = 10), levels = c("z", "y", "x", "w", "unused"))
  d <- wasserstein_distances(X, g, n_threads = 2)
  expect_s3_class(d, "dist")
  expect_equal(attr(d, "Labels"), c("z", "y", "x", "w"))
  expect_equal(unname(attr(d, "unit_size")), rep(10L, 4))
  D <- as.matrix(d)
  expect_equal(D, t(D))
  expect_equal(unname(diag(D)), rep(0, 4))
  expect_true(all(D[upper.tri(D)] > 0))
  # Identical units are at distance (essentially) zero.
  d2 <- wasserstein_distances(rbind(X[1:10, ], X[1:10, ]), rep(1:2, each = 10), n_threads = 1)
  expect_lt(as.numeric(d2), 1e-6)
})

test_that("lambda = 0 sees only means and lambda = 1 only covariances", {
  X <- with_seed(14, matrix(stats::rnorm(120), 40))
  g <- rep(1:4, each = 10)
  d0 <- wasserstein_distances(X, g, lambda = 0, n_threads = 1)
  means <- apply(X, 2, function(col) tapply(col, g, mean))
  expect_equal(as.numeric(d0), as.numeric(stats::dist(means)), tolerance = 1e-10)
  shifted <- X + outer(g, c(100, -50, 3))
  d1 <- wasserstein_distances(X, g, lambda = 1, n_threads = 1)
  expect_equal(as.numeric(wasserstein_distances(shifted, g, lambda = 1, n_threads = 1)),
               as.numeric(d1), tolerance = 1e-8)
  expect_false(isTRUE(all.equal(as.numeric(wasserstein_distances(shifted, g, lambda = 0.5,
                                                                 n_threads = 1)),
                                as.numeric(wasserstein_distances(X, g, n_threads = 1)))))
})

test_that("exact W2 equals brute-force assignment on tiny equal-size sets, duplicates included", {
  skip_if_not_installed("transport")
  A <- with_seed(15, matrix(stats::rnorm(12), 6))
  B <- with_seed(16, matrix(stats::rnorm(12, 1), 6))
  C <- rbind(A[c(1, 1, 2, 3, 3, 3), ])  # duplicates: merged into weights by the solver path
  X <- rbind(A, B, C)
  g <- rep(c("A", "B", "C"), each = 6)
  d <- as.matrix(wasserstein_distances(X, g, method = "exact"))
  expect_equal(d["A", "B"], brute_force_w2(A, B), tolerance = 1e-8)
  expect_equal(d["A", "C"], brute_force_w2(A, C), tolerance = 1e-8)
  expect_equal(d["B", "C"], brute_force_w2(B, C), tolerance = 1e-8)
  # Unequal sizes: 2 points against 4 equals 4 (each point doubled) against 4.
  P <- A[1:2, ]
  Q <- B[1:4, ]
  d2 <- wasserstein_distances(rbind(P, Q), rep(1:2, c(2, 4)), method = "exact")
  expect_equal(as.numeric(d2), brute_force_w2(P[c(1, 1, 2, 2), ], Q), tolerance = 1e-8)
  # 1-D: W2 between equal-size samples matches sorted order.
  x <- with_seed(17, stats::rnorm(30))
  y <- with_seed(18, stats::rexp(30))
  d3 <- wasserstein_distances(c(x, y), rep(1:2, each = 30), method = "exact")
  expect_equal(as.numeric(d3), sqrt(mean((sort(x) - sort(y))^2)), tolerance = 1e-8)
  # A one-sample unit against any unit: root mean squared distance to its samples.
  d4 <- wasserstein_distances(rbind(c(0, 0), B), rep(1:2, c(1, 6)), method = "exact")
  expect_equal(as.numeric(d4), sqrt(mean(rowSums(B^2))), tolerance = 1e-12)
})

test_that("exact W2 of large Gaussian samples is close to the Gaussian closed form", {
  skip_if_not_installed("transport")
  m <- rbind(c(10, 15), c(20, 15))
  S <- list(matrix(c(14, -11, -11, 14), 2), matrix(c(27.5, 22.5, 22.5, 27.5), 2))
  X <- with_seed(19, rbind(
    sweep(matrix(stats::rnorm(800), 400) %*% chol(S[[1]]), 2, m[1, ], "+"),
    sweep(matrix(stats::rnorm(800), 400) %*% chol(S[[2]]), 2, m[2, ], "+")))
  g <- rep(1:2, each = 400)
  exact <- as.numeric(wasserstein_distances(X, g, method = "exact"))
  gauss <- as.numeric(wasserstein_distances(X, g, n_threads = 1))
  # The paper's 50 repetitions at n = 400: mean 11.734, sd 0.257.
  expect_lt(abs(exact - 11.668), 0.8)
  expect_lt(abs(exact - gauss), 0.8)
})

test_that("bad input raises classed nembed errors", {
  X <- with_seed(20, matrix(stats::rnorm(40), 20))
  g <- rep(1:4, each = 5)
  expect_error(wasserstein_distances(X, g[-1]), class = "nembed_error_size")
  expect_error(wasserstein_distances(X, replace(g, 3, NA)), class = "nembed_error_value")
  expect_error(wasserstein_distances(X, rep("one", 20)), class = "nembed_error_size")
  expect_error(wasserstein_distances(X, list(g)), class = "nembed_error_type")
  expect_error(wasserstein_distances(X, g, lambda = 1.5), class = "nembed_error_value")
  expect_error(wasserstein_distances(X, g, lambda = NA_real_), class = "nembed_error")
  expect_error(wasserstein_distances(X, g, method = "sinkhorn"), class = "nembed_error_value")
  expect_error(wasserstein_distances(X, g, method = "exact", lambda = 0.3),
               class = "nembed_error_value")
  expect_error(wasserstein_distances(replace(X, 1, NA), g), class = "nembed_error_value")
  expect_error(wasserstein_distances(X, g, n_threads = 0), class = "nembed_error")
})

test_that("hierarchical_gaussian_mixture has the paper's structure and is reproducible", {
  # The paper's Fig. 5 data: 100 units per class, 400 in all, of 30 samples (wassersteinTSNE-paper
  # Experiments/Figure5.py; its HGMMresults.csv kNN values are multiples of 1.5 / 400).
  hgm <- hierarchical_gaussian_mixture()
  expect_equal(dim(hgm$X), c(12000L, 2L))
  expect_equal(nlevels(hgm$groups), 400L)
  expect_equal(as.vector(table(hgm$groups)), rep(30L, 400))
  expect_equal(names(hgm$unit_labels), levels(hgm$groups))
  expect_equal(as.vector(table(hgm$unit_labels)), rep(100L, 4))
  expect_identical(hierarchical_gaussian_mixture()$X, hgm$X)
  expect_false(identical(hierarchical_gaussian_mixture(seed = 1)$X, hgm$X))
  # Class means (30, 0), (30, 0), (0, 0), (0, 0), and principal axes at 20 / 110 degrees.
  cls <- hgm$unit_labels[hgm$groups]
  for (k in 1:4) {
    Xk <- hgm$X[cls == levels(cls)[k], ]
    expect_lt(sqrt(sum((colMeans(Xk) - c(if (k <= 2) 30 else 0, 0))^2)), 2)
    within <- do.call(rbind, lapply(split(as.data.frame(Xk), droplevels(hgm$groups[cls == levels(cls)[k]])),
                                    function(d) scale(as.matrix(d), scale = FALSE)))
    v <- eigen(stats::cov(within))$vectors[, 1]
    angle <- (atan2(v[2], v[1]) * 180 / pi) %% 180
    expect_lt(abs(angle - if (k %% 2 == 1) 20 else 110), 10)
  }
  h3 <- hierarchical_gaussian_mixture(n_units = 10, n_samples = 4, n_classes = 3, dim = 5)
  expect_equal(dim(h3$X), c(40L, 5L))
  expect_equal(as.vector(table(h3$unit_labels)), c(4L, 3L, 3L))
})

test_that("embed_wasserstein separates the four HGMM classes at intermediate lambda", {
  hgm <- hierarchical_gaussian_mixture()
  emb <- embed_wasserstein(hgm$X, hgm$groups, lambda = 0.75, n_threads = 2, seed = 1)
  expect_s3_class(emb, "nembed_embedding")
  expect_equal(names(emb), c("group", "x", "y", "size"))
  expect_equal(as.character(emb$group), levels(hgm$groups))
  expect_equal(emb$size, rep(30L, 400))
  expect_gte(knn_accuracy(emb, hgm$unit_labels, k = 5, n_threads = 1), 0.95)
  # Means alone cannot tell classes 1 from 2 (nor 3 from 4).
  emb0 <- embed_wasserstein(hgm$X, hgm$groups, lambda = 0, n_threads = 2, seed = 1)
  expect_lt(knn_accuracy(emb0, hgm$unit_labels, k = 5, n_threads = 1), 0.8)
  expect_s3_class(embedding_record(emb)$distances, "dist")
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot_units(emb, hgm$X, hgm$groups, what = "ellipses",
                              color = hgm$unit_labels), emb)
  expect_identical(plot_units(emb, hgm$X, hgm$groups), emb)
  expect_error(plot_units(emb, hgm$X, rev(hgm$groups)[-1]), class = "nembed_error_size")
  expect_error(plot_units(emb, hgm$X, hgm$groups, dims = c(1, 3)), class = "nembed_error_value")
  if (requireNamespace("ggplot2", quietly = TRUE)) {
    expect_s3_class(ggplot2::autoplot(emb, color = hgm$unit_labels), "ggplot")
  }
})

test_that("embed_wasserstein caps the perplexity for few units", {
  hgm <- hierarchical_gaussian_mixture(n_units = 16, n_samples = 10)
  expect_message(emb <- embed_wasserstein(hgm$X, hgm$groups, n_threads = 1, seed = 1),
                 "perplexity")
  expect_equal(nrow(emb), 16L)
  expect_equal(embedding_record(emb)$wasserstein$perplexity, 5)
  expect_true(all(is.finite(emb$x)))
  expect_error(embed_wasserstein(hgm$X[1:40, ], hgm$groups[1:40], n_threads = 1),
               class = "nembed_error_size")
})
