test_that("embed_laplacian equals a dense eigen() reference up to sign", {
  d <- gaussian_clusters(n_per = 80, n_clusters = 2, dim = 5, spread = 1.5, seed = 2)
  for (dense_limit in c(2000, 10)) {   # dense solver, then the Lanczos solver
    emb <- embed_laplacian(d$X, k = 10, n_threads = 2, dense_limit = dense_limit, seed = 1)
    W <- as.matrix(embedding_record(emb)$graph)
    expect_equal(W, t(W))
    deg <- rowSums(W)
    L <- diag(nrow(W)) - W / sqrt(outer(deg, deg))
    ev <- eigen(L, symmetric = TRUE)
    m <- ncol(ev$vectors)
    ref <- ev$vectors[, m - 1:2] / sqrt(deg) * sqrt(sum(deg))
    got <- as.matrix(emb)
    for (j in 1:2) {
      s <- sign(sum(got[, j] * ref[, j]))
      expect_equal(unname(got[, j]), s * ref[, j], tolerance = 1e-5)
    }
    expect_equal(embedding_record(emb)$eigenvalues, rev(ev$values)[2:3], tolerance = 1e-6)
  }
})

test_that("disconnected graphs are detected: error for embed_laplacian, NULL for spectral_layout", {
  d <- gaussian_clusters(n_per = 30, n_clusters = 2, dim = 5, spread = 50)
  expect_error(embed_laplacian(d$X, k = 5, n_threads = 1), class = "nembed_error_graph")
  aff <- affinities(d$X, method = "umap", k = 5, n_threads = 1)
  expect_message(Y <- nembed:::spectral_layout(aff, 2, seed = 1, n_threads = 1),
                 "2 connected components")
  expect_null(Y)
})

test_that("spectral_layout returns unit eigenvectors orthogonal to the trivial one", {
  d <- gaussian_clusters(n_per = 50, n_clusters = 2, dim = 5, spread = 1.5)
  aff <- affinities(d$X, method = "umap", k = 10, n_threads = 1)
  Y <- nembed:::spectral_layout(aff, 2, seed = 1, n_threads = 1)
  expect_equal(dim(Y), c(100L, 2L))
  expect_equal(unname(colSums(Y^2)), c(1, 1), tolerance = 1e-8)
  sd <- sqrt(Matrix::rowSums(aff$P))
  expect_lt(max(abs(crossprod(Y, sd))), 1e-6)
})

test_that("bad input to embed_laplacian gives nembed_error", {
  expect_error(embed_laplacian(matrix(NA_real_, 10, 2)), class = "nembed_error")
  expect_error(embed_laplacian(matrix(rnorm(40), 20), k = 0), class = "nembed_error")
  expect_error(embed_laplacian(matrix(rnorm(40), 20), n_components = 19), class = "nembed_error_size")
})
