# pca(): every route (Gram matrix in the C++ core, irlba, full SVD) against prcomp's SVD.

principal_angles <- function(A, B) {
  qa <- qr.Q(qr(A)); qb <- qr.Q(qr(B))
  acos(pmin(1, svd(crossprod(qa, qb))$d))
}

expect_same_pca <- function(Z, ref, k, tol_var, tol_angle) {
  expect_equal(attr(Z, "sdev"), ref$sdev[seq_len(k)], tolerance = tol_var)
  expect_lt(max(principal_angles(attr(Z, "rotation"), ref$rotation[, seq_len(k)])), tol_angle)
  # scores are the projections of the centred (scaled) data, up to one sign per component
  s <- sign(colSums(unclass(Z)[, seq_len(k)] * ref$x[, seq_len(k)]))
  expect_equal(unname(unclass(Z)[, seq_len(k)]), unname(sweep(ref$x[, seq_len(k)], 2, s, "*")),
               tolerance = 1e-7)
}

test_that("the Gram route (many rows) equals prcomp", {
  set.seed(1)
  X <- matrix(rnorm(600 * 150), 600) %*% diag(seq(3, 0.2, length.out = 150)) + 5
  Z <- pca(X, n_components = 10, n_threads = 2)
  expect_same_pca(Z, prcomp(X), 10, 1e-10, 1e-7)
  expect_equal(attr(Z, "center"), colMeans(X))
})

test_that("the Gram route (more columns than rows) and scaling equal prcomp", {
  set.seed(2)
  X <- matrix(rnorm(130 * 400), 130) %*% diag(seq(2, 0.1, length.out = 400))
  X[, 3] <- X[, 3] * 100
  expect_same_pca(pca(X, n_components = 8, n_threads = 2), prcomp(X), 8, 1e-10, 1e-7)
  expect_same_pca(pca(X, n_components = 8, scale = TRUE), prcomp(X, scale. = TRUE), 8, 1e-10, 1e-7)
})

test_that("tall, narrow input (t-SNE's PCA initialisation of 50 columns) takes the Gram route and equals prcomp", {
  set.seed(7)
  X <- matrix(rnorm(5000 * 30), 5000) %*% diag(seq(4, 0.3, length.out = 30)) - 2
  trace_env <- environment()
  calls <- 0
  suppressMessages(trace("pca_gram_cpp", where = asNamespace("nembed"), print = FALSE,
                         tracer = bquote(assign("calls", get("calls", .(trace_env)) + 1,
                                                envir = .(trace_env)))))
  on.exit(suppressMessages(untrace("pca_gram_cpp", where = asNamespace("nembed"))), add = TRUE)
  for (k in c(2, 10)) expect_same_pca(pca(X, n_components = k, n_threads = 2), prcomp(X), k, 1e-10, 1e-7)
  expect_equal(calls, 2)
  pca(X[1:4000, ], n_components = 2)  # 4,000 rows: the full SVD
  expect_equal(calls, 2)
})

test_that("the Gram route gives identical results for any thread count", {
  set.seed(3)
  X <- matrix(rnorm(5000 * 120), 5000)
  expect_identical(pca(X, 20, n_threads = 1), pca(X, 20, n_threads = 2))
})

test_that("sparse input stays sparse (irlba) and agrees with the dense route", {
  set.seed(4)
  X <- Matrix::rsparsematrix(800, 300, density = 0.1)
  X <- X + Matrix::sparseMatrix(i = rep(1:800, 3), j = rep(1:3, each = 800),
                                x = rep(c(4, 3, 2), each = 800) * rnorm(2400), dims = c(800, 300))
  Zs <- pca(X, n_components = 3)
  Zd <- pca(as.matrix(X), n_components = 3)
  expect_equal(attr(Zs, "sdev"), attr(Zd, "sdev"), tolerance = 1e-6)
  expect_lt(max(principal_angles(attr(Zs, "rotation"), attr(Zd, "rotation"))), 1e-4)
})

test_that("the Gram route agrees with irlba on Fashion-MNIST images", {
  skip_if_not(file.exists("/usr/share/datasets/fashion-mnist"), "dataset-fashion-mnist not installed")
  fm <- load_fashion_mnist(n = 3000)
  Z <- pca(fm$X, 30, n_threads = 2)
  mu <- colMeans(fm$X)
  s <- withr::with_seed(1, irlba::irlba(fm$X, nv = 30, nu = 30, center = mu, tol = 1e-10))
  expect_equal(attr(Z, "sdev"), s$d / sqrt(nrow(fm$X) - 1), tolerance = 1e-6)
  expect_lt(max(principal_angles(attr(Z, "rotation"), s$v)), 1e-4)
})

test_that("rank-deficient and constant input give finite components", {
  set.seed(5)
  X <- matrix(rnorm(400 * 3), 400) %*% matrix(rnorm(3 * 150), 3)  # rank 3
  Z <- pca(X, n_components = 10)
  expect_true(all(is.finite(Z)))
  expect_equal(attr(Z, "sdev")[1:3], prcomp(X)$sdev[1:3], tolerance = 1e-8)
  expect_lt(max(attr(Z, "sdev")[4:10]), 1e-6 * attr(Z, "sdev")[1])
  Zc <- pca(matrix(1, 300, 120), n_components = 5)
  expect_true(all(is.finite(Zc)))
  expect_equal(max(abs(Zc)), 0)
})
