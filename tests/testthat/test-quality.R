slow_knn_accuracy <- function(Y, labels, k) {
  D <- as.matrix(dist(Y)); diag(D) <- Inf
  lab <- as.integer(factor(labels))
  mean(vapply(seq_len(nrow(Y)), function(i) {
    nb <- lab[order(D[i, ], seq_len(nrow(Y)))[1:k]]
    tab <- tabulate(nb, max(lab))
    best <- which(tab == max(tab))
    winner <- if (length(best) == 1) best else nb[nb %in% best][1]
    winner == lab[i]
  }, logical(1)))
}

test_that("knn_accuracy and knn_recall match slow references", {
  set.seed(1)
  X <- matrix(rnorm(300 * 6), 300)
  Y <- X[, 1:2] + matrix(rnorm(600, sd = 0.3), 300)
  lab <- sample(c("u", "v", "w"), 300, replace = TRUE)
  lab[X[, 1] > 0.5] <- "u"
  expect_equal(knn_accuracy(Y, lab, k = 10, n_threads = 1), slow_knn_accuracy(Y, lab, 10))
  expect_equal(knn_accuracy(Y, lab, k = 4, n_threads = 2), slow_knn_accuracy(Y, lab, 4))
  hi <- ref_knn(X, 10)$idx
  lo <- ref_knn(Y, 10)$idx
  ref <- mean(vapply(1:300, function(i) length(intersect(hi[i, ], lo[i, ])), numeric(1))) / 10
  expect_equal(knn_recall(X, Y, k = 10, n_threads = 2), ref)
  expect_equal(knn_recall(X, X, k = 10, n_threads = 1), 1)
})

test_that("distance_correlation is the Spearman correlation over random pairs", {
  set.seed(2)
  X <- matrix(rnorm(200 * 5), 200)
  expect_equal(distance_correlation(X, X * 3 + 1), 1)
  r <- distance_correlation(X, X[, 1:2], n_pairs = 5000, seed = 3)
  D1 <- as.matrix(dist(X)); D2 <- as.matrix(dist(X[, 1:2]))
  full <- cor(D1[upper.tri(D1)], D2[upper.tri(D2)], method = "spearman")
  expect_equal(r, full, tolerance = 0.05)
  # the user's RNG stream is left alone
  set.seed(9); a <- runif(1); set.seed(9); distance_correlation(X, X); b <- runif(1)
  expect_identical(a, b)
})

test_that("quality measures reject labels of the wrong length", {
  Y <- matrix(rnorm(40), 20)
  expect_nembed_error(knn_accuracy(Y, rep(1, 19)), "labels")
  expect_nembed_error(knn_accuracy(Y, c(NA, rep(1, 19))), "labels")
  expect_nembed_error(knn_recall(matrix(rnorm(60), 30), Y), "embedding")
})
