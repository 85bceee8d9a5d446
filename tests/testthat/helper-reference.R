# Independent slow references and fixtures for the tests.

# Brute-force kNN with R's dist() and order(): ties broken by index, self excluded.
ref_knn <- function(X, k, metric = "euclidean") {
  if (metric == "cosine") {
    Xn <- X / sqrt(rowSums(X^2))
    D <- 1 - tcrossprod(Xn)
  } else if (metric == "correlation") {
    D <- 1 - stats::cor(t(X))
  } else {
    D <- as.matrix(stats::dist(X))
  }
  n <- nrow(X)
  diag(D) <- Inf
  idx <- t(apply(D, 1, function(r) order(r, seq_len(n))[seq_len(k)]))
  dd <- t(vapply(seq_len(n), function(i) D[i, idx[i, ]], numeric(k)))
  list(idx = unname(idx), dist = unname(dd))
}

# Three well-separated Gaussian clusters in 10-D.
three_clusters <- function(n_per = 100, dim = 10, sep = 10, seed = 1) {
  set.seed(seed)
  X <- rbind(matrix(rnorm(n_per * dim), n_per),
             matrix(rnorm(n_per * dim, sep), n_per),
             matrix(rnorm(n_per * dim, -sep), n_per))
  list(X = X, labels = rep(c("a", "b", "c"), each = n_per))
}

expect_nembed_error <- function(expr, arg = NULL) {
  err <- tryCatch(expr, nembed_error = function(e) e)
  expect_s3_class(err, "nembed_error")
  if (!is.null(arg) && inherits(err, "nembed_error")) {
    expect_true(grepl(arg, conditionMessage(err), fixed = TRUE),
                info = paste("message should name", arg, ":", conditionMessage(err)))
  }
  invisible(err)
}

fashion_available <- function() {
  file.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
}
