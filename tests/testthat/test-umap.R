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

test_that("the SGD's batched powers equal x^b and the one-at-a-time fast_pow bit for bit", {
  x <- 10^seq(-6, 6, length.out = 8 * 250)  # squared distances the SGD meets, and beyond
  for (b in c(0.5, 0.895, 1, 1.3342, 2)) {
    p <- nembed:::umap_fast_pow_cpp(x, b)
    # against R's double-precision power: 1e-6 from the polynomials plus float rounding of x and
    # of the exponent b log2(x) (up to 40 here: 2.4e-6 absolute, 1.7e-6 relative in the power)
    expect_lt(max(abs(p$batch / x^b - 1)), 3e-6)
    expect_identical(p$batch, p$scalar)
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

test_that("the SGD's fused two-head step equals two one-head steps bit for bit", {
  # sgd_optimize alternates the due edges of two halves of each block; in 2-D UmapLoss<2>::step2
  # computes both heads' edges together, the generic loss runs step() on one, then the other.
  # Equal results show the fusion changes no arithmetic, also for edges with more than 7
  # negatives (negative_rate 9 gives some) and b = 1 (no powers).
  d <- gaussian_clusters(n_per = 150, n_clusters = 3, spread = 0.5)
  aff <- affinities(d$X, method = "umap", k = 10, n_threads = 1)
  P <- nembed:::as_weight_matrix(aff$P, "X")
  set.seed(2)
  Y0 <- matrix(rnorm(nrow(P) * 2, sd = 3), ncol = 2)
  run <- function(generic, b = 0.9, rate = 5, n_threads = 1) {
    nembed:::umap_sgd_cpp(Y0, P, list(n_epochs = 30L, a = 1.6, b = b, gamma = 1,
                                      negative_rate = rate, learning_rate = 1, seed = 5L,
                                      n_threads = n_threads, verbose = FALSE,
                                      generic_kernel = generic))
  }
  fused <- run(FALSE)
  expect_identical(fused, run(TRUE))
  expect_identical(run(FALSE, rate = 9), run(TRUE, rate = 9))
  expect_identical(run(FALSE, b = 1), run(TRUE, b = 1))
  expect_identical(fused, run(FALSE, n_threads = 2))
  expect_false(isTRUE(all.equal(fused, Y0)))
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
