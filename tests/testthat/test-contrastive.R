test_that("every contrastive loss separates three Gaussian clusters", {
  d <- gaussian_clusters()
  for (loss in c("neg", "nce", "infonce", "umap")) {
    emb <- embed_contrastive(d$X, loss = loss, n_epochs = 60, n_threads = 2, seed = 1)
    expect_equal(knn_accuracy(emb, d$labels, k = 10, n_threads = 1), 1, info = loss)
    expect_equal(embedding_record(emb)$params$loss, loss)
  }
})

test_that("negative sampling at s = 1 gives more compact classes than at s = 0", {
  d <- gaussian_clusters(n_per = 100, n_clusters = 6, dim = 20, spread = 3, seed = 1)
  ratio <- sapply(c(0, 1), function(s) {
    emb <- embed_contrastive(d$X, loss = "neg", s = s, n_epochs = 150, n_threads = 2, seed = 1)
    within_between_ratio(as.matrix(emb), d$labels)
  })
  expect_lt(ratio[2], ratio[1])
})

test_that("s maps to the documented normalisation constants", {
  d <- gaussian_clusters(n_per = 30)
  n <- 90
  e0 <- embed_contrastive(d$X, s = 0, n_epochs = 3, n_threads = 1, seed = 1)
  e1 <- embed_contrastive(d$X, s = 1, n_epochs = 3, n_threads = 1, seed = 1)
  expect_equal(embedding_record(e0)$Zbar, 100 * n, tolerance = 1e-5)
  expect_equal(embedding_record(e1)$Zbar, n^2 / 5, tolerance = 1e-5)
  eZ <- embed_contrastive(d$X, Zbar = 1234, n_epochs = 3, n_threads = 1, seed = 1)
  expect_equal(embedding_record(eZ)$Zbar, 1234, tolerance = 1e-5)
})

test_that("NCE learns a normalisation between the t-SNE-like and UMAP-like ends", {
  d <- gaussian_clusters(n_per = 100, n_clusters = 4, dim = 10, spread = 3)
  emb <- embed_contrastive(d$X, loss = "nce", n_epochs = 100, n_threads = 2, seed = 1)
  Z <- embedding_record(emb)$Zbar
  expect_true(is.finite(Z))
  expect_lt(Z, 400^2 / 5)
})

test_that("the batch gradient equals the reference's autograd gradient (derived, and numerically)", {
  set.seed(11)
  n <- 30
  Y <- matrix(rnorm(2 * n, sd = 2), n)
  codes <- c(neg = 0L, nce = 1L, infonce = 2L, umap = 3L)
  for (b in c(12, 3)) for (m in c(5, 40)) {           # m = 40 > 2b - 2: full-batch repulsion
    heads <- sample.int(n, b, replace = TRUE)
    tails <- sample.int(n, b, replace = TRUE)
    slots <- ref_cne_negative_slots(b, m)
    for (loss in names(codes)) {
      spec <- switch(loss, neg = 0.3, nce = 0, infonce = 2, umap = 1)
      ref <- ref_cne_batch_gradient(Y, heads, tails, slots, loss, spec, log_z = 0.1)
      num <- ref_numeric_gradient(function(Z) ref_cne_batch_loss(Z, heads, tails, slots, loss, spec,
                                                                 log_z = 0.1), Y)
      expect_equal(ref$gradient, num, tolerance = 1e-6, info = paste(loss, b, m))
      cspec <- if (loss == "nce") ncol(slots) * exp(0.1) else spec
      got <- nembed:::contrastive_batch_gradient_cpp(Y, heads, tails, slots, loss, cspec, 2L)
      expect_equal(got$gradient, ref$gradient, tolerance = 1e-5, info = paste(loss, b, m))
      if (loss == "nce") {
        fz <- function(lz) ref_cne_batch_loss(Y, heads, tails, slots, "nce", 0, log_z = lz)
        expect_equal(ref$dlogz, (fz(0.1 + 1e-6) - fz(0.1 - 1e-6)) / 2e-6, tolerance = 1e-6)
        expect_equal(got$dlogz, ref$dlogz, tolerance = 1e-5)
      }
    }
  }
})

test_that("the transform's batch gradient is the reference's, on the new points only", {
  set.seed(12)
  M <- 8
  n <- 25
  Ynew <- matrix(rnorm(2 * M, sd = 2), M)
  Yref <- matrix(rnorm(2 * n, sd = 2), n)
  for (b in c(10, 3)) for (m in c(5, 30)) {           # m = 30 > 2b - 2: the whole pool
    heads <- sample.int(M, b, replace = TRUE)
    tails <- sample.int(n, b, replace = TRUE)
    pool <- sample.int(n, 2 * b, replace = TRUE)      # reference points only
    slots <- ref_cne_negative_slots(b, m)
    for (loss in c("neg", "infonce", "umap")) {
      spec <- switch(loss, neg = 0.3, infonce = 2, umap = 1)
      # The reference on the joint layout: its rows of the new points are what moves.
      ref <- ref_cne_batch_terms(rbind(Ynew, Yref), heads, M + tails, slots, loss, spec,
                                 pool = M + pool)
      want <- matrix(0, M, 2)
      new <- ref$points <= M
      want[ref$points[new], ] <- ref$gradient[new, ]
      got <- nembed:::contrastive_transform_gradient_cpp(Ynew, Yref, heads, tails, pool, slots,
                                                         loss, spec, 2L)
      expect_equal(got, want, tolerance = 1e-5, info = paste(loss, b, m))
    }
  }
})

test_that("the reference's negatives are other pool slots, all of them in the full-batch case", {
  set.seed(2)
  s <- ref_cne_negative_slots(4, 500)                 # full batch: 2b - 2 = 6 per head
  expect_equal(dim(s), c(4, 6))
  for (r in 1:4) expect_setequal(s[r, ], setdiff(1:8, c(r, 4 + r)))
  s <- ref_cne_negative_slots(50, 5)
  expect_false(any(s == row(s)))                      # never the head's own slot
  expect_true(all(s >= 1 & s <= 100))
})

test_that("embed_contrastive follows the literal R reference of contrastive-ne's SGD", {
  d <- gaussian_clusters(n_per = 70, n_clusters = 3, dim = 10, spread = 4, seed = 3)
  n <- nrow(d$X)
  g <- knn_graph(d$X, k = 15, method = "exact", n_threads = 1)
  W <- embedding_record(embed_contrastive(g, n_epochs = 1, init = "random", n_threads = 1,
                                          seed = 1))$graph
  P <- prcomp(d$X, rank. = 2)$x
  init <- P / sd(P[, 1])
  neg_c <- function(s) 5 * exp((1 - s) * log(100 * n) + s * log(n^2 / 5) - 2 * log(n))
  sum_phi <- function(Y) sum(1 / (1 + as.matrix(dist(Y))^2)) - nrow(Y)
  for (s in c(0, 1)) {
    emb <- embed_contrastive(g, loss = "neg", s = s, init = init, n_epochs = 90, batch_size = 256,
                             n_threads = 2, seed = 1)
    ref <- ref_cne_embed(init, W, "neg", neg_c(s), n_epochs = 90, n_early = 30,
                         spec_early = neg_c(1), batch_size = 256, seed = 1)
    Y <- as.matrix(emb)[, 1:2]
    rec <- embedding_record(emb)
    expect_equal(rec$params$n_early, 30L)
    # Different random streams, the same algorithm: the partition sum and the class compactness agree.
    expect_equal(sum_phi(Y), sum_phi(ref$Y), tolerance = 0.1, info = paste("s =", s))
    expect_equal(within_between_ratio(Y, d$labels), within_between_ratio(ref$Y, d$labels),
                 tolerance = 0.15, info = paste("s =", s))
    # The record's partition sum is the layout's (exact below 5,000 points).
    expect_equal(rec$partition_sum, sum_phi(Y), tolerance = 1e-6)
  }
  # NCE: log Z learnt per batch at rate 0.001 from Z = 1, as in the reference.
  emb <- embed_contrastive(g, loss = "nce", init = init, n_epochs = 60, batch_size = 256,
                           n_threads = 1, seed = 1)
  ref <- ref_cne_embed(init, W, "nce", 5, n_epochs = 60, batch_size = 256, seed = 1)
  rec <- embedding_record(emb)
  expect_equal(rec$log_z, ref$log_z, tolerance = 0.05)
  expect_equal(rec$c, 5 * exp(rec$log_z), tolerance = 1e-6)
  expect_equal(rec$params$n_early, 0L)                # the reference never exaggerates NCE
})

test_that("early exaggeration runs only when the reference's does", {
  d <- gaussian_clusters(n_per = 30)
  ne <- function(...) embedding_record(embed_contrastive(d$X, n_epochs = 9, n_threads = 1,
                                                         seed = 1, ...))$params$n_early
  expect_equal(ne(loss = "neg"), 0L)                  # no s: c = 1, no early phase
  expect_equal(ne(loss = "neg", Zbar = 1000), 0L)
  expect_equal(ne(loss = "neg", s = 0.5), 3L)
  expect_equal(ne(loss = "infonce"), 3L)              # InfoNCE defaults to s = 0
  expect_equal(ne(loss = "neg", s = 0.5, early_phase = FALSE), 0L)
  expect_equal(ne(loss = "nce"), 0L)
  expect_equal(ne(loss = "umap"), 0L)
})

test_that("contrastive SGD is reproducible across thread counts", {
  d <- gaussian_clusters(n_per = 50)
  # Small batches run on one thread; one whole-graph batch with 60 negatives is split over threads.
  for (cfg in list(c(1024, 5), c(1e5, 60))) {
    a <- embed_contrastive(d$X, loss = "infonce", n_epochs = 20, batch_size = cfg[1],
                           n_negatives = cfg[2], n_threads = 1, seed = 5)
    b <- embed_contrastive(d$X, loss = "infonce", n_epochs = 20, batch_size = cfg[1],
                           n_negatives = cfg[2], n_threads = 2, seed = 5)
    expect_identical(as.matrix(a), as.matrix(b))
  }
})

test_that("bad input to embed_contrastive gives nembed_error", {
  X <- matrix(rnorm(200), 50)
  expect_error(embed_contrastive(X, loss = "tsne"), class = "nembed_error_value")
  expect_error(embed_contrastive(X, s = 1, Zbar = 10), class = "nembed_error_value")
  expect_error(embed_contrastive(X, loss = "nce", Zbar = 10), class = "nembed_error_value")
  expect_error(embed_contrastive(X, n_negatives = 0), class = "nembed_error")
  expect_error(embed_contrastive(X, s = NA_real_), class = "nembed_error")
  expect_error(embed_contrastive(X, batch_size = 0), class = "nembed_error")
  expect_error(embed_contrastive(X, batch_size = "a"), class = "nembed_error_type")
})
