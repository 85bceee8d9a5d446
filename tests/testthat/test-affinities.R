test_that("perplexity calibration hits the entropy target and P is symmetric and sums to 1", {
  set.seed(1)
  X <- matrix(rnorm(500 * 5), 500)
  P <- affinities(X, perplexity = 15, n_threads = 2)
  expect_lt(max(abs(P$entropy - log(15))), 1e-5)
  expect_true(Matrix::isSymmetric(P$P))
  expect_equal(sum(P$P), 1, tolerance = 1e-12)
  # Independent check of one row: entropy of the Gaussian conditional on its k = 45 neighbours.
  g <- P$knn
  i <- 17
  p <- exp(-P$beta[i] * g$dist[i, ]^2)
  p <- p / sum(p)
  expect_equal(-sum(p * log(p)), log(15), tolerance = 1e-5)
  # P = (P_cond + t(P_cond)) / (2n)
  Pc <- Matrix::sparseMatrix(i = rep(1:500, g$k), j = as.vector(g$idx),
                             x = as.vector(sweep(exp(-P$beta * g$dist^2), 1,
                                                 rowSums(exp(-P$beta * g$dist^2)), "/")),
                             dims = c(500, 500))
  expect_equal(as.matrix(P$P), as.matrix((Pc + Matrix::t(Pc)) / 1000), tolerance = 1e-10,
               ignore_attr = TRUE)
})

test_that("multi-scale affinities average the conditional affinities", {
  set.seed(2)
  X <- matrix(rnorm(300 * 4), 300)
  g <- knn_graph(X, k = 60, n_threads = 1)
  Pm <- affinities(g, perplexity = c(5, 20), n_threads = 1)
  P5 <- affinities(g, perplexity = 5, k = 60, n_threads = 1)
  P20 <- affinities(g, perplexity = 20, k = 60, n_threads = 1)
  expect_equal(as.matrix(Pm$P), as.matrix((P5$P + P20$P) / 2), tolerance = 1e-10,
               ignore_attr = TRUE)
})

test_that("uniform affinities are 1/k per directed edge, symmetrised", {
  set.seed(3)
  X <- matrix(rnorm(100 * 3), 100)
  P <- affinities(X, method = "uniform", k = 10, n_threads = 1)
  A <- matrix(0, 100, 100)
  A[cbind(rep(1:100, 10), as.vector(P$knn$idx))] <- 1 / 10
  expect_equal(as.matrix(P$P), (A + t(A)) / 200, ignore_attr = TRUE)
})

test_that("UMAP memberships satisfy sum exp(-(d - rho)/sigma) = log2(k + 1) and the fuzzy union", {
  set.seed(4)
  X <- matrix(rnorm(400 * 5), 400)
  P <- affinities(X, method = "umap", k = 14, n_threads = 2)
  g <- P$knn
  s <- rowSums(exp(-pmax(g$dist - P$rho, 0) / P$sigma))
  expect_lt(max(abs(s - log2(15))), 1e-4)
  expect_equal(P$rho, g$dist[, 1])
  V <- matrix(0, 400, 400)
  V[cbind(rep(1:400, 14), as.vector(g$idx))] <- as.vector(exp(-pmax(g$dist - P$rho, 0) / P$sigma))
  U <- V + t(V) - V * t(V)
  expect_equal(as.matrix(P$P), U, tolerance = 1e-10, ignore_attr = TRUE)
})

test_that("perplexity too large for k or n is a classed error", {
  X <- matrix(rnorm(60), 30)
  expect_nembed_error(affinities(X, perplexity = 40), "perplexity")
  g <- knn_graph(X, k = 5, n_threads = 1)
  expect_nembed_error(affinities(g, perplexity = 10), "perplexity")
  expect_nembed_error(affinities(X, perplexity = -1), "perplexity")
  expect_nembed_error(affinities(X, method = "tsne"), "method")
})
