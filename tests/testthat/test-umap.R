test_that("a and b fitted from min_dist and spread match umap-learn / uwot", {
  ab <- umap_ab_params(spread = 1, min_dist = 0.1)
  expect_equal(round(ab[["a"]], 3), 1.577)
  expect_equal(round(ab[["b"]], 3), 0.895)
  ab2 <- umap_ab_params(spread = 1, min_dist = 0.5)
  expect_equal(unname(ab2), c(0.5830, 1.3342), tolerance = 1e-3)
})

test_that("UMAP gradients equal numerical derivatives of the UMAP loss for one pair", {
  a <- 1.577; b <- 0.895
  yi <- c(0.3, -1.2); yj <- c(1.1, 0.4)
  w <- function(y) 1 / (1 + a * sum((y - yj)^2)^b)
  num_grad <- function(f, y, h = 1e-6) sapply(seq_along(y), function(d) {
    e <- replace(numeric(length(y)), d, h); (f(y + e) - f(y - e)) / (2 * h)
  })
  g <- nembed:::umap_pair_gradient_cpp(yi, yj, a, b)
  # attraction: descent direction of -log w(d)
  expect_equal(g$attraction, -num_grad(function(y) -log(w(y)), yi), tolerance = 1e-5)
  # repulsion: descent direction of -log(1 - w(d)), with umap-learn's 0.001 in the denominator
  d2 <- sum((yi - yj)^2)
  expect_equal(g$repulsion * (0.001 + d2) / d2, -num_grad(function(y) -log(1 - w(y)), yi),
               tolerance = 1e-5)
  # the fast pow used by the SGD
  expect_equal(g$fast_pow, d2^b, tolerance = 1e-6)
})

test_that("the SGD's powers in vector lanes equal x^b and the scalar fast_pow bit for bit", {
  x <- 10^seq(-6, 6, length.out = 8 * 250)  # squared distances the SGD meets, and beyond
  x <- c(x, 2^(-20:19), 1.41421356 * 2^(-20:19))  # exact powers of two, and the sqrt(2) switch
  for (path in nembed:::simd_paths_cpp()) {
    for (b in c(0.5, 0.895, 1, 1.3342, 2)) {
      p <- nembed:::umap_fast_pow_cpp(x, b, path)
      # against R's double-precision power: 1e-6 from the polynomials plus float rounding of x and
      # of the exponent b log2(x) (up to 40 here: 2.4e-6 absolute, 1.7e-6 relative in the power)
      expect_lt(max(abs(p$lanes / x^b - 1)), 3e-6, label = sprintf("%s, b = %s", path, b))
      expect_identical(p$lanes, p$scalar, label = sprintf("%s, b = %s", path, b))
    }
  }
})

test_that("embed_umap separates three Gaussian clusters and records its run", {
  d <- gaussian_clusters()
  expect_message(emb <- embed_umap(d$X, n_epochs = 100, n_threads = 2, seed = 1),
                 "3 connected components")
  expect_s3_class(emb, "nembed_embedding")
  expect_equal(knn_accuracy(emb, d$labels, k = 10, n_threads = 1), 1)
  rec <- embedding_record(emb)
  expect_equal(rec$method, "umap")
  expect_equal(rec$params$a, 1.577, tolerance = 1e-3)
  expect_s3_class(rec$affinities, "nembed_affinities")
  expect_true(all(c("knn", "affinities", "init", "optimisation", "total") %in% names(rec$timings)))
  # the disconnected graph falls back to PCA with a message
  expect_match(rec$init, "pca")
})

test_that("SGD reproducibility: same seed identical for 1 and 2 threads, other seed differs", {
  d <- gaussian_clusters(n_per = 80, n_clusters = 2, spread = 0.5)
  aff <- affinities(d$X, method = "umap", k = 14, n_threads = 1)
  e1 <- embed_umap(aff, n_epochs = 50, n_threads = 1, seed = 3)
  e2 <- embed_umap(aff, n_epochs = 50, n_threads = 2, seed = 3)
  e3 <- embed_umap(aff, n_epochs = 50, n_threads = 2, seed = 4)
  expect_identical(as.matrix(e1), as.matrix(e2))
  expect_false(isTRUE(all.equal(as.matrix(e1), as.matrix(e3))))
  expect_equal(embedding_record(e1)$init, "spectral")
})

test_that("the SGD's 2-D lanes give the same bits on every vector path and as the any-D loop", {
  # UmapLoss<2> runs an edge sample's tail and negatives in eight lanes (umap_lanes.hpp), with
  # SSE2 or AVX where the CPU has them; the generic loss runs the portable loop for any dimension.
  # All must agree bit for bit, also for edges with more than 7 negatives (negative_rate 9: a
  # second batch of lanes), b = 1 (no powers) and 2 threads.
  d <- gaussian_clusters(n_per = 150, n_clusters = 3, spread = 0.5)
  aff <- affinities(d$X, method = "umap", k = 10, n_threads = 1)
  P <- nembed:::as_weight_matrix(aff$P, "X")
  set.seed(2)
  Y0 <- matrix(rnorm(nrow(P) * 2, sd = 3), ncol = 2)
  run <- function(generic, b = 0.9, rate = 5, n_threads = 1, simd = NULL) {
    nembed:::umap_sgd_cpp(Y0, P, c(list(n_epochs = 30L, a = 1.6, b = b, gamma = 1,
                                        negative_rate = rate, learning_rate = 1, seed = 5L,
                                        n_threads = n_threads, verbose = FALSE,
                                        generic_kernel = generic), list(simd = simd)))
  }
  fused <- run(FALSE)
  for (path in nembed:::simd_paths_cpp()) {
    expect_identical(run(FALSE, simd = path), run(TRUE), label = path)
    expect_identical(run(FALSE, rate = 9, simd = path), run(TRUE, rate = 9), label = path)
    expect_identical(run(FALSE, b = 1, simd = path), run(TRUE, b = 1), label = path)
  }
  expect_identical(fused, run(FALSE, n_threads = 2))
  expect_false(isTRUE(all.equal(fused, Y0)))
  expect_error(run(FALSE, simd = "neon"), "simd")
})

test_that("one batch of lanes moves the head by the sum of its clipped terms", {
  # Independent reference: one epoch on a 2-edge graph with no negatives is one attractive step
  # of each head, clip(coef * (y_i - y_j)) * 2 alpha with coef = -2ab d^(2(b-1)) / (1 + a d^(2b)).
  Y0 <- rbind(c(0, 0), c(0.7, -0.4))
  P <- Matrix::sparseMatrix(i = c(1, 2), j = c(2, 1), x = c(1, 1), dims = c(2, 2))
  a <- 1.6; b <- 0.9
  Y1 <- nembed:::umap_sgd_cpp(Y0, P, list(n_epochs = 1L, a = a, b = b, gamma = 1,
                                          negative_rate = 0, learning_rate = 1, seed = 1L,
                                          n_threads = 1, verbose = FALSE))
  d2 <- sum((Y0[1, ] - Y0[2, ])^2)
  coef <- -2 * a * b * d2^(b - 1) / (1 + a * d2^b)
  step <- function(i, j) 2 * pmin(pmax(coef * (Y0[i, ] - Y0[j, ]), -4), 4)
  expect_equal(Y1, rbind(Y0[1, ] + step(1, 2), Y0[2, ] + step(2, 1)), tolerance = 1e-5)
})

test_that("embed_umap reuses a kNN graph and takes a user initialisation", {
  d <- gaussian_clusters(n_per = 40)
  g <- knn_graph(d$X, k = 14, n_threads = 1)
  init <- matrix(rnorm(240), 120)
  emb <- embed_umap(g, init = init, n_epochs = 20, n_threads = 1, seed = 1)
  expect_equal(embedding_record(emb)$init, "user")
  expect_equal(nrow(emb), 120)
})

test_that("bad input to embed_umap gives nembed_error", {
  X <- matrix(rnorm(200), 50)
  expect_error(embed_umap(X, k = 0), class = "nembed_error")
  expect_error(embed_umap(X, min_dist = 2, spread = 1), class = "nembed_error_value")
  expect_error(embed_umap(X, a = 1), class = "nembed_error_value")
  expect_error(embed_umap(X, init = "bogus"), class = "nembed_error_value")
  expect_error(embed_umap(X, init = matrix(0, 3, 2)), class = "nembed_error_size")
  expect_error(embed_umap("a"), class = "nembed_error")
})
