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

test_that("contrastive SGD is reproducible across thread counts", {
  d <- gaussian_clusters(n_per = 50)
  a <- embed_contrastive(d$X, loss = "infonce", n_epochs = 20, n_threads = 1, seed = 5)
  b <- embed_contrastive(d$X, loss = "infonce", n_epochs = 20, n_threads = 2, seed = 5)
  expect_identical(as.matrix(a), as.matrix(b))
})

test_that("bad input to embed_contrastive gives nembed_error", {
  X <- matrix(rnorm(200), 50)
  expect_error(embed_contrastive(X, loss = "tsne"), class = "nembed_error_value")
  expect_error(embed_contrastive(X, s = 1, Zbar = 10), class = "nembed_error_value")
  expect_error(embed_contrastive(X, loss = "nce", Zbar = 10), class = "nembed_error_value")
  expect_error(embed_contrastive(X, n_negatives = 0), class = "nembed_error")
  expect_error(embed_contrastive(X, s = NA_real_), class = "nembed_error")
})
