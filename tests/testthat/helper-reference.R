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

# The 6,000-image Fashion-MNIST subset of the transform tests, read once per test run.
fashion_subset <- local({
  cache <- NULL
  function() {
    if (is.null(cache)) cache <<- load_fashion_mnist(n = 6000, seed = 2)
    cache
  }
})

# Accuracy of labelling each new point by a majority vote of its k nearest reference points in
# the embedding (brute force; ties go to the label seen first, i.e. nearest).
transfer_accuracy <- function(ref, new, ref_labels, new_labels, k = 10) {
  A <- unname(as.matrix(ref))
  B <- unname(as.matrix(new))
  d2 <- outer(rowSums(B^2), rowSums(A^2), "+") - 2 * B %*% t(A)
  nn <- t(apply(d2, 1, function(r) order(r)[seq_len(k)]))
  votes <- matrix(as.character(ref_labels)[nn], nrow = nrow(nn))
  pred <- apply(votes, 1, function(v) {
    tab <- table(factor(v, levels = unique(v)))
    names(tab)[which.max(tab)]
  })
  mean(pred == as.character(new_labels))
}

# UMAP's directed memberships exp(-max(0, d - rho) / sigma) of each row of distances (umap-learn's
# smooth_knn_dist with local connectivity 1: rho the smallest positive distance, sigma solving
# sum = log2(k + 1)), by root finding in R.
ref_umap_memberships <- function(dist) {
  target <- log2(ncol(dist) + 1)
  t(apply(dist, 1, function(d) {
    rho <- min(d[d > 0])
    f <- function(s) sum(exp(-pmax(d - rho, 0) / s)) - target
    s <- stats::uniroot(f, c(1e-8, 1e4), tol = 1e-12)$root
    exp(-pmax(d - rho, 0) / s)
  }))
}
