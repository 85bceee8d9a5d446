tsne_params <- function(repulsion = "exact", dof = 1, n_interp = 3, min_intervals = 50,
                        reorder_min_n = 1e9, n_iter = 1L, early_iter = 0L,
                        early_exaggeration = 1, learning_rate = 1, near_radius = 0) {
  list(n_iter = as.integer(n_iter), early_iter = as.integer(early_iter),
       early_exaggeration = early_exaggeration, exaggeration = 1, learning_rate = learning_rate,
       momentum = 0.5, final_momentum = 0.8, dof = dof, repulsion = repulsion, theta = 0.5,
       n_interp = as.integer(n_interp), min_intervals = as.integer(min_intervals),
       intervals_per_unit = 1, near_radius = near_radius, max_step_norm = 5, eval_every = 1L,
       reorder_min_n = reorder_min_n)
}
gradient_at <- function(P, Y, ..., rho = 1, n_threads = 2) {
  nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y, c(tsne_params(...), list(rho = rho, n_threads = n_threads)))
}

# KL(P || Q) with the heavy-tailed kernel, straight from the definition.
ref_kl <- function(P, Y, dof = 1) {
  W <- (1 + as.matrix(dist(Y))^2 / dof)^(-dof)
  diag(W) <- 0
  Q <- W / sum(W)
  Pm <- as.matrix(P)
  nz <- Pm > 0
  sum(Pm[nz] * log(Pm[nz] / Q[nz]))
}

test_that("FFT and Barnes-Hut repulsion match the exact forces", {
  set.seed(11)
  n <- 2000
  P <- affinities(matrix(rnorm(n * 5), n), perplexity = 10, n_threads = 2)$P
  Y <- matrix(rnorm(n * 2, sd = 3), n)
  for (dof in c(0.5, 1, 2)) for (d in 1:2) {
    Yd <- Y[, seq_len(d), drop = FALSE]
    ge <- gradient_at(P, Yd, repulsion = "exact", dof = dof, rho = 0)
    rel <- function(g) sqrt(sum((g$gradient - ge$gradient)^2) / sum(ge$gradient^2))
    info <- sprintf("dof %s, %d-D", dof, d)
    expect_lt(rel(gradient_at(P, Yd, repulsion = "fft", dof = dof, rho = 0)), 1e-2, label = info)
    expect_lt(rel(gradient_at(P, Yd, repulsion = "bh", dof = dof, rho = 0)), 1e-2, label = info)
    expect_lt(rel(gradient_at(P, Yd, repulsion = "fft", dof = dof, rho = 0, n_interp = 5,
                              min_intervals = 200)), 1e-4, label = info)
  }
})

test_that("FFT t-SNE's Z (from the spectra, by Parseval's identity) matches the exact sum", {
  # Reference: Z = sum_{i != j} (1 + d_ij^2 / dof)^-dof, dense in R.
  set.seed(12)
  n <- 600
  P <- affinities(matrix(rnorm(n * 5), n), perplexity = 10, n_threads = 2)$P
  Y <- matrix(rnorm(n * 2, sd = 4), n)
  for (dof in c(0.5, 1, 2)) for (d in 1:2) {
    Yd <- Y[, seq_len(d), drop = FALSE]
    W <- (1 + as.matrix(dist(Yd))^2 / dof)^(-dof)
    z_ref <- sum(W) - n
    info <- sprintf("dof %s, %d-D", dof, d)
    z3 <- gradient_at(P, Yd, repulsion = "fft", dof = dof)$Z
    z5 <- gradient_at(P, Yd, repulsion = "fft", dof = dof, n_interp = 5, min_intervals = 200)$Z
    expect_lt(abs(z3 / z_ref - 1), 1e-3, label = info)
    expect_lt(abs(z5 / z_ref - 1), 1e-6, label = info)
    # Same for any thread count.
    expect_identical(gradient_at(P, Yd, repulsion = "fft", dof = dof, n_threads = 1)$Z, z3)
  }
})

test_that("FFT repulsion at a large extent is at least as accurate as FIt-SNE's scheme", {
  # Extent 500: beyond the old cap of 500 intervals (boxes wider than a unit from about 455 on).
  # References: the exact sum, and FIt-SNE's interval rule without cap in double precision
  # (helper-fft.R), both dense in R.
  Y <- fft_test_layout(n = 150, extent = 500, seed = 3)
  for (dof in c(0.5, 1)) {
    ex <- ref_repulsion_exact(Y, dof)
    err_fitsne <- rel_error(ref_repulsion_fitsne(Y, dof), ex)
    err <- rel_error(nembed_repulsion(Y, dof, intervals_per_unit = 1.25), ex)
    expect_lt(err, 0.05, label = sprintf("dof %s: nembed's error", dof))
    expect_lte(err, err_fitsne, label = sprintf("dof %s: nembed's error", dof))
  }
})

test_that("FFT repulsion equals its interpolation scheme computed densely, whatever the padding", {
  # The transforms run at a padded length L >= 2m (m grid nodes per dimension, fft_padded_length),
  # with as many boxes as L holds: here 53 boxes at L = 320 (m = 159), 64 at 384 (m = 192, no
  # padding) and 85 at 512 (m = 255). Whatever L, the FFT
  # must give the node-to-node sums of the interpolated kernel exactly, up to rounding: the dense
  # reference on nembed's own grid agrees to about 5e-14 (bound 1e-9), where the interpolation's
  # own error against the exact sum is 2-5% on these small clustered layouts.
  for (extent in c(40, 52, 70)) {
    Y <- fft_test_layout(n = 120, extent = extent, seed = 5)
    g <- nembed_fft_grid(Y)
    for (dof in c(0.5, 1)) {
      ref <- ref_repulsion_interpolated(Y, g$lo, g$h, g$nb, dof, scheme = "vector")
      got <- nembed_repulsion(Y, dof)
      expect_lt(rel_error(got, ref), 1e-9, label = sprintf("extent %s, %d boxes, dof %s", extent, g$nb, dof))
    }
  }
})

test_that("renumbering the points along a Hilbert curve changes nothing but summation order", {
  set.seed(14)
  n <- 3000
  X <- rbind(matrix(rnorm(n / 2 * 5), n / 2), matrix(rnorm(n / 2 * 5, mean = 4), n / 2))
  X <- X[sample.int(n), ]  # interleaved clusters: the renumbering really permutes
  P <- affinities(X, perplexity = 15, n_threads = 2)$P
  Y <- matrix(rnorm(n * 2), n)
  for (rep in c("exact", "fft", "bh")) {
    plain <- gradient_at(P, Y, repulsion = rep, rho = 4)
    moved <- gradient_at(P, Y, repulsion = rep, rho = 4, reorder_min_n = 0)
    expect_equal(moved$gradient, plain$gradient, tolerance = 1e-5, label = rep)
    expect_equal(moved$kl, plain$kl, tolerance = 1e-8, label = rep)
  }
  # A run renumbered at the start, every 7 iterations of the early phase and when it ends
  # (iteration 20) follows the plain run; only the last digits of the sums differ.
  Y0 <- matrix(rnorm(n * 2, sd = 1e-4), n)
  run <- function(reorder_min_n) {
    par <- tsne_params(repulsion = "fft", n_iter = 40, early_iter = 20, early_exaggeration = 12,
                       learning_rate = n / 12, reorder_min_n = reorder_min_n)
    par$reorder_every <- 7L
    nembed:::tsne_cpp(P@p, P@i, P@x, Y0, c(par, list(n_threads = 2L)))
  }
  a <- run(1e9)
  b <- run(0)
  expect_equal(b$Y, a$Y, tolerance = 1e-4)
  expect_equal(b$kl, a$kl, tolerance = 1e-6)
  expect_false(isTRUE(all.equal(a$Y, Y0)))
  # Thread count still does not matter with the renumbering.
  par1 <- tsne_params(repulsion = "fft", n_iter = 40, early_iter = 20, early_exaggeration = 12,
                      learning_rate = n / 12, reorder_min_n = 0)
  par1$reorder_every <- 7L
  c1 <- nembed:::tsne_cpp(P@p, P@i, P@x, Y0, c(par1, list(n_threads = 1L)))
  expect_identical(c1$Y, b$Y)
})

test_that("the Hilbert order moves between neighbouring cells and keeps points local", {
  # A 16 x 16 grid spaced 4096 apart, plus a point at (65535, 65535) so that the grid falls on
  # the curve's own 4096-cell blocks: the 16 x 16 Hilbert curve must visit the grid points one
  # step at a time (the defining property of the curve), starting from a corner.
  g <- as.matrix(expand.grid(x = 0:15, y = 0:15)) * 4096
  Y <- rbind(g, c(65535, 65535))
  shuffle <- sample.int(nrow(Y))
  ord <- nembed:::hilbert_order_cpp(Y[shuffle, ])
  expect_setequal(ord, seq_len(nrow(Y)))
  path <- Y[shuffle, ][ord, ]
  path <- path[!(path[, 1] == 65535), ] / 4096
  expect_true(all(rowSums(abs(diff(path))) == 1))
  expect_true(all(path[1, ] %in% c(0, 15)))
  # On random points, consecutive points along the order are close: for n uniform points in the
  # unit square the mean step is O(1 / sqrt(n)), against about 0.52 in a random order.
  set.seed(15)
  U <- matrix(runif(20000), ncol = 2)
  steps <- sqrt(rowSums(diff(U[nembed:::hilbert_order_cpp(U), ])^2))
  expect_lt(mean(steps), 2 / sqrt(nrow(U)))
  # 1-D: the order is the sort order, ties by index.
  v <- matrix(c(3, 1, 2, 1), ncol = 1)
  expect_equal(nembed:::hilbert_order_cpp(v), c(2L, 4L, 3L, 1L))
})

test_that("the gradient is a quarter of the numerical gradient of the exact KL, and KL is exact", {
  set.seed(12)
  n <- 60
  P <- affinities(matrix(rnorm(n * 4), n), perplexity = 8, n_threads = 1)$P
  for (dof in c(0.6, 1, 3)) for (d in 1:3) {
    Y <- matrix(rnorm(n * d), n)
    g <- gradient_at(P, Y, repulsion = "exact", dof = dof, rho = 1)
    expect_equal(g$kl, ref_kl(P, Y, dof), tolerance = 1e-6)
    h <- 1e-5
    for (q in c(1, 17, 33)) for (c in seq_len(d)) {
      Yp <- Y; Yp[q, c] <- Yp[q, c] + h
      Ym <- Y; Ym[q, c] <- Ym[q, c] - h
      num <- (ref_kl(P, Yp, dof) - ref_kl(P, Ym, dof)) / (2 * h)
      expect_equal(4 * g$gradient[q, c], num, tolerance = 1e-5)
    }
  }
})

# The t-SNE gradient (no factor 4) from its definition, dense, in R.
ref_tsne_gradient <- function(P, Y, rho = 1, dof = 1) {
  D2 <- as.matrix(dist(Y))^2
  Tm <- 1 / (1 + D2 / dof)
  W <- Tm^dof
  diag(W) <- 0
  A <- rho * as.matrix(P) * Tm - W * Tm / sum(W)
  diag(A) <- 0
  rowSums(A) * Y - A %*% Y
}

# FIt-SNE's update of one step (tsne.cpp): gains with sign(0) = 0, momentum, no clipping here,
# then re-centring.
ref_gain_step <- function(state, grad, lr, momentum) {
  flip <- sign(grad) != sign(state$update)
  state$gains <- ifelse(flip, state$gains + 0.2, state$gains * 0.8)
  state$gains[state$gains < 0.01] <- 0.01
  state$update <- momentum * state$update - lr * state$gains * grad
  state$Y <- sweep(state$Y + state$update, 2, colMeans(state$Y + state$update))
  state
}

test_that("gains follow FIt-SNE and openTSNE with sign(0) = 0: the first step has gain 1.2", {
  set.seed(21)
  n <- 30
  aff <- affinities(matrix(rnorm(n * 4), n), perplexity = 5, n_threads = 1)
  P <- aff$P
  Y0 <- matrix(rnorm(n * 2), n)
  state <- list(Y = Y0, update = matrix(0, n, 2), gains = matrix(1, n, 2))
  lr <- 5
  for (steps in 1:3) {
    state <- ref_gain_step(state, ref_tsne_gradient(P, state$Y), lr, 0.8)
    if (steps == 1) expect_true(all(state$gains == 1.2))  # every coordinate, either sign
    emb <- embed_tsne(aff, init = Y0, n_iter = steps, early_iter = 0, learning_rate = lr,
                      repulsion = "exact", max_step_norm = 0, eval_every = 0, n_threads = 1)
    expect_lt(max(abs(as.matrix(emb) - state$Y)), 1e-6 * max(abs(state$Y)))
  }
  # The previous rule (a zero update counted as "positive") gave gain 0.8 to every coordinate
  # with a negative first gradient: the test above can tell them apart.
  g1 <- ref_tsne_gradient(P, Y0)
  expect_true(any(g1 < 0) && any(g1 > 0))
})

test_that("embed_transform's t-SNE optimiser uses the same gains (first steps by hand)", {
  set.seed(22)
  n <- 40
  m <- 3
  k <- 5
  ref <- matrix(rnorm(n * 2, sd = 3), n)
  nbr <- t(replicate(m, sample(n, k)))
  p <- matrix(runif(m * k), m)
  p <- p / rowSums(p)
  Y0 <- matrix(rnorm(m * 2), m)
  # Exact repulsion (theta = 0) from the fixed reference; new points do not interact.
  grad <- function(Y) {
    t(vapply(seq_len(m), function(i) {
      d <- -sweep(ref, 2, Y[i, ])          # y_i - r_j
      tt <- 1 / (1 + rowSums(d^2))
      att <- colSums(p[i, ] * tt[nbr[i, ]] * d[nbr[i, ], , drop = FALSE])
      rep <- colSums(tt^2 * d) / sum(tt)
      att - rep
    }, numeric(2)))
  }
  Y <- Y0
  upd <- matrix(0, m, 2)
  gains <- matrix(1, m, 2)
  for (it in 1:3) {
    g <- grad(Y)
    gains <- ifelse(sign(g) != sign(upd), gains + 0.2, gains * 0.8)
    if (it == 1) expect_true(all(gains == 1.2))
    upd <- 0.8 * upd - 2 * gains * g
    Y <- Y + upd
    params <- list(n_iter = it, learning_rate = 2, momentum = 0.8, dof = 1, theta = 0,
                   max_step_norm = 0)
    got <- nembed:::tsne_transform_cpp(ref, nbr, p, Y0, c(params, list(n_threads = 1L)))
    expect_lt(max(abs(got - Y)), 1e-9 * max(abs(Y)))
  }
})

test_that("the KL divergence reported by embed_tsne is the exact KL of its output", {
  set.seed(13)
  X <- matrix(rnorm(150 * 5), 150)
  emb <- embed_tsne(X, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
  rec <- embedding_record(emb)
  expect_equal(tail(rec$loss$value, 1), ref_kl(rec$affinities$P, as.matrix(emb)), tolerance = 1e-4)
  expect_equal(rec$loss$iteration, seq(50, 300, by = 50))
})

test_that("three separated clusters come out separated with every repulsion method", {
  # 300 points and 150 iterations after the early phase separate them (600 points and 250 took
  # twice the time and proved the same).
  cl <- three_clusters(n_per = 100)
  for (rep in c("exact", "bh", "fft")) {
    emb <- embed_tsne(cl$X, repulsion = rep, n_iter = 400, n_threads = 2, seed = 1)
    expect_s3_class(emb, "nembed_embedding")
    expect_named(emb, c("x", "y"))
    expect_equal(knn_accuracy(emb, cl$labels, n_threads = 1), 1, label = rep)
  }
  emb3 <- embed_tsne(cl$X, n_components = 3, repulsion = "bh", n_iter = 400, n_threads = 2, seed = 1)
  expect_named(emb3, c("x", "y", "z"))
  expect_equal(knn_accuracy(emb3, cl$labels, n_threads = 1), 1)
  emb1 <- embed_tsne(cl$X, n_components = 1, repulsion = "fft", n_iter = 400, n_threads = 2, seed = 1)
  expect_equal(knn_accuracy(emb1, cl$labels, n_threads = 1), 1)
  embh <- embed_tsne(cl$X, dof = 0.5, repulsion = "fft", n_iter = 400, n_threads = 2, seed = 1)
  expect_equal(knn_accuracy(embh, cl$labels, n_threads = 1), 1)
})

test_that("same seed and threads give identical output; threads do not matter; seeds do", {
  # Identity needs no convergence: 100 iterations still cover both phases (early exaggeration,
  # then the final momentum), and any difference would grow from the first step on.
  cl <- three_clusters(n_per = 150, seed = 2)
  run <- function(n_threads, seed) {
    embed_tsne(cl$X, init = "random", n_iter = 100, early_iter = 50, n_threads = n_threads,
               seed = seed, repulsion = "fft")
  }
  a <- run(2, 7)
  b <- run(2, 7)
  c1 <- run(1, 7)
  d <- run(2, 8)
  expect_identical(as.matrix(a), as.matrix(b))
  expect_identical(as.matrix(a), as.matrix(c1))
  expect_false(isTRUE(all.equal(as.matrix(a), as.matrix(d))))
  set.seed(5); e1 <- embed_tsne(cl$X, init = "random", n_iter = 50, n_threads = 1)
  set.seed(5); e2 <- embed_tsne(cl$X, init = "random", n_iter = 50, n_threads = 1)
  expect_identical(as.matrix(e1), as.matrix(e2))
})

test_that("PCA initialisation follows the recipe and affinities are reused", {
  cl <- three_clusters(n_per = 100, seed = 3)
  emb0 <- embed_tsne(cl$X, n_iter = 1, early_iter = 1, learning_rate = 1e-12, n_threads = 1)
  Z <- pca(cl$X, 2)
  expect_equal(sd(emb0$x), 1e-4, tolerance = 1e-3)
  expect_equal(abs(cor(emb0$x, Z[, 1])), 1, tolerance = 1e-6)
  P <- embedding_record(emb0)$affinities
  emb <- embed_tsne(P, init = as.matrix(emb0), n_iter = 300, n_threads = 1)
  expect_equal(knn_accuracy(emb, cl$labels, n_threads = 1), 1)
  more <- continue_tsne(emb, n_iter = 100, exaggeration = 4, n_threads = 1)
  rec <- embedding_record(more)
  expect_equal(max(rec$loss$iteration), 400)
  expect_equal(rec$params$exaggeration, 4)
  # exaggeration contracts clusters relative to the spread between them
  spread <- function(e) {
    m <- as.matrix(e); within <- mean(tapply(seq_len(nrow(m)), cl$labels, function(i) mean(dist(m[i, ]))))
    within / mean(dist(m))
  }
  expect_lt(spread(more), spread(emb))
})

test_that("bad t-SNE input is a classed error naming the argument", {
  cl <- three_clusters(n_per = 20)
  X0 <- cl$X
  expect_nembed_error(embed_tsne(cl$X, perplexity = 100, n_threads = 1), "perplexity")
  expect_nembed_error(embed_tsne(cl$X, init = matrix(0, 10, 2), n_threads = 1), "init")
  bad <- matrix(0, 60, 2); bad[1, 1] <- NA
  expect_nembed_error(embed_tsne(cl$X, init = bad, n_threads = 1), "init")
  expect_nembed_error(embed_tsne(cl$X, dof = 0, n_threads = 1), "dof")
  expect_nembed_error(embed_tsne(cl$X, learning_rate = -1, n_threads = 1), "learning_rate")
  expect_nembed_error(embed_tsne(cl$X, n_iter = 0, n_threads = 1), "n_iter")
  # A vector k is an error, not its minimum (embed_tsne() and every embed_* through its kNN).
  expect_nembed_error(embed_tsne(cl$X, k = c(10, 20), n_threads = 1), "k")
  expect_nembed_error(embed_laplacian(cl$X, k = c(5, 8), n_threads = 1), "k")
  expect_nembed_error(embed_tsne(cl$X, repulsion = "fft", n_components = 3, n_threads = 1), "repulsion")
  expect_nembed_error(embed_tsne(cl$X, init = "umap", n_threads = 1), "init")
  expect_nembed_error(embed_tsne(cl$X[1:2, ], n_threads = 1), "X")
  expect_identical(cl$X, X0)
})

test_that("print() shows the final loss: the exact KL of the output, for every kind of record", {
  set.seed(13)
  X <- matrix(rnorm(150 * 5), 150)
  emb <- embed_tsne(X, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
  P <- embedding_record(emb)$affinities$P
  printed_loss <- function(x) {
    line <- grep("final loss", utils::capture.output(print(x)), value = TRUE)
    if (length(line) == 0L) return(NULL)
    list(line = line, value = as.numeric(sub(".*: ", "", line)))
  }
  pl <- printed_loss(emb)
  expect_match(pl$line, "final loss (KL divergence, iteration 300)", fixed = TRUE)
  expect_equal(pl$value, ref_kl(P, as.matrix(emb)), tolerance = 1e-3)
  # a continued run prints the end of the continued trace
  emb2 <- continue_tsne(emb, n_iter = 100, exaggeration = 2, n_threads = 1)
  pl2 <- printed_loss(emb2)
  expect_match(pl2$line, "iteration 400", fixed = TRUE)
  expect_equal(pl2$value, ref_kl(P, as.matrix(emb2)), tolerance = 1e-3)
  # no evaluations, no line; a UMAP record has no loss trace
  expect_null(printed_loss(embed_tsne(X, perplexity = 10, n_iter = 100, eval_every = 0,
                                      n_threads = 1, seed = 1)))
  expect_null(printed_loss(embed_umap(X, n_epochs = 20, n_threads = 1, seed = 1)))
  # other loss columns: `value`, or the last finite entry of any numeric column
  fake <- function(loss) nembed:::new_embedding(X[, 1:2], list(method = "m", loss = loss))
  expect_equal(printed_loss(fake(data.frame(iteration = c(10, 20), value = c(2.5, 1.25))))$value,
               1.25)
  pl3 <- printed_loss(fake(data.frame(iteration = 1:3, stress = c(3, 2, NA))))
  expect_match(pl3$line, "iteration 2)", fixed = TRUE)
  expect_equal(pl3$value, 2)
})

test_that("the 2-D attraction's AVX, SSE2 and portable loops give the same bits, and the exact sum", {
  # Rows of every length modulo 4 (the four-lane loop's leftovers), Cauchy and heavy-tailed
  # kernels; each vector path this CPU has (simd_paths_cpp()) against the portable loop.
  set.seed(21)
  n <- 400
  X <- matrix(rnorm(n * 5), n)
  P <- affinities(X, perplexity = 7, k = 21, n_threads = 1)$P
  expect_setequal(unique(diff(P@p) %% 4), 0:3)
  Y <- matrix(rnorm(n * 2, sd = 3), n)
  Pm <- as.matrix(P) / sum(P)
  paths <- nembed:::simd_paths_cpp()
  for (dof in c(1, 0.6)) {
    simd <- gradient_at(P, Y, repulsion = "exact", dof = dof, n_threads = 2)
    for (path in paths) {
      port <- nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y,
                                         c(tsne_params(repulsion = "exact", dof = dof),
                                           list(rho = 1, n_threads = 1L, simd = path)))
      expect_identical(port$gradient, simd$gradient, label = sprintf("%s, dof %s", path, dof))
      expect_identical(port$kl, simd$kl, label = sprintf("%s KL, dof %s", path, dof))
    }
    # The attraction alone (gradient at rho = 1 less rho = 0) against the definition,
    # sum_j p_ij t_ij (y_i - y_j), with t = 1 / (1 + d^2 / dof); P is held as float (1e-7).
    rep0 <- gradient_at(P, Y, repulsion = "exact", dof = dof, rho = 0)$gradient
    Tm <- 1 / (1 + as.matrix(dist(Y))^2 / dof)
    A <- Pm * Tm
    ref <- rowSums(A) * Y - A %*% Y
    expect_equal(simd$gradient - rep0, unname(ref), tolerance = 1e-6)
    expect_equal(simd$kl, ref_kl(Pm, Y, dof), tolerance = 1e-6)
  }
  expect_error(nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y, c(tsne_params(), list(simd = "neon"))),
               "simd")
})
