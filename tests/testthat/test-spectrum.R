test_that("embed_spectrum over s returns one long data frame, panels in order", {
  d <- gaussian_clusters(n_per = 100, n_clusters = 6, dim = 20, spread = 3, seed = 1)
  sp <- embed_spectrum(d$X, s = c(0, 1, 2), n_epochs = 90, n_threads = 2, seed = 1)
  expect_s3_class(sp, "nembed_spectrum")
  expect_equal(nrow(sp), 3 * 600)
  expect_equal(levels(sp$panel), c("s = 0", "s = 1", "s = 2"))
  expect_true(all(c("x", "y", "id", "s", "method", "panel") %in% names(sp)))
  expect_equal(sp$id[sp$s == 1], 1:600)
  ratio <- tapply(seq_len(nrow(sp)), sp$s, function(r)
    within_between_ratio(cbind(sp$x[r], sp$y[r]), d$labels))
  expect_lt(ratio[["1"]], ratio[["0"]])
  expect_lt(ratio[["2"]], ratio[["1"]])
  expect_length(attr(sp, "records"), 3)
})

test_that("embed_spectrum over exaggeration: distance correlation rises, recall falls", {
  # a random walk in 10-D: one continuous structure, whose global shape exaggeration preserves
  X <- withr::with_seed(3, apply(matrix(rnorm(400 * 10), 400), 2, cumsum))
  sp <- suppressMessages(embed_spectrum(X, exaggeration = c(1, 16), perplexity = 15, n_iter = 400,
                       extra = c("umap", "laplacian"), n_threads = 2, seed = 1))
  expect_equal(levels(sp$panel), c("exaggeration 1", "exaggeration 16", "UMAP",
                                   "Laplacian eigenmaps"))
  q <- sapply(c(1, 16), function(rho) {
    Y <- as.matrix(sp[which(sp$exaggeration == rho), c("x", "y")])
    c(recall = knn_recall(X, Y, k = 10, n_threads = 1),
      dcor = distance_correlation(X, Y, n_pairs = 5000))
  })
  expect_lt(q["recall", 2], q["recall", 1])
  expect_gt(q["dcor", 2], q["dcor", 1] + 0.1)
})

test_that("bad input to embed_spectrum gives nembed_error", {
  X <- matrix(rnorm(200), 50)
  expect_error(embed_spectrum(X, exaggeration = c(1, -2)), class = "nembed_error_value")
  expect_error(embed_spectrum(X, s = c(0, NA)), class = "nembed_error_value")
  expect_error(embed_spectrum(X, s = 0, extra = "pca"), class = "nembed_error_value")
})
