# The policy documented in ?nembed_reproducibility, claim by claim.

test_that("n_threads = NULL is RcppParallel's default, capped at 2 under _R_CHECK_LIMIT_CORES_", {
  cores <- as.integer(RcppParallel::defaultNumThreads())  # the cap shows only above 2 cores
  withr::local_envvar(c("_R_CHECK_LIMIT_CORES_" = NA))
  expect_identical(default_threads(), cores)
  withr::local_envvar(c("_R_CHECK_LIMIT_CORES_" = "TRUE"))
  expect_identical(default_threads(), min(cores, 2L))
  expect_identical(default_threads(3), 3L)  # an explicit value is the user's choice
  expect_error(default_threads(0), class = "nembed_error")
  expect_error(default_threads(1.5), class = "nembed_error_value")
})

test_that("exact kNN and affinities are bit-identical with 1 and 2 threads", {
  loadNamespace("Matrix")
  set.seed(3)
  X <- matrix(rnorm(1500 * 20), 1500, 20)
  g1 <- knn_graph(X, k = 30, method = "exact", n_threads = 1)
  g2 <- knn_graph(X, k = 30, method = "exact", n_threads = 2)
  expect_identical(g1$idx, g2$idx)
  expect_identical(g1$dist, g2$dist)
  for (m in c("perplexity", "uniform", "umap")) {
    P1 <- affinities(g1, method = m, perplexity = 10, n_threads = 1)$P
    P2 <- affinities(g2, method = m, perplexity = 10, n_threads = 2)$P
    expect_identical(P1, P2)
  }
})

test_that("seed = NULL honours set.seed(); an explicit seed leaves R's RNG alone", {
  set.seed(11)
  X <- matrix(rnorm(600 * 10), 600, 10)
  set.seed(1); a <- knn_graph(X, k = 10, method = "hnsw", n_threads = 1, M = 4,
                              ef_construction = 8, ef = 10)
  after_a <- .Random.seed
  set.seed(1)
  expect_false(identical(.Random.seed, after_a))  # seed = NULL drew from R's RNG
  set.seed(1); b <- knn_graph(X, k = 10, method = "hnsw", n_threads = 1, M = 4,
                              ef_construction = 8, ef = 10)
  expect_identical(a$idx, b$idx)
  # tiny HNSW settings make the approximate graph depend on the seed
  graphs <- lapply(1:4, function(s) knn_graph(X, k = 10, method = "hnsw", n_threads = 1,
                                              M = 4, ef_construction = 8, ef = 10, seed = s)$idx)
  expect_false(all(vapply(graphs[-1], identical, logical(1), graphs[[1]])))
  set.seed(5)
  state <- .Random.seed
  c1 <- knn_graph(X, k = 10, method = "hnsw", n_threads = 1, M = 4, ef_construction = 8,
                  ef = 10, seed = 2)
  expect_identical(.Random.seed, state)
  expect_identical(c1$idx, graphs[[2]])
})

test_that("distance_correlation and pca do not move R's RNG", {
  X <- as.matrix(iris[, 1:4])
  set.seed(9)
  state <- .Random.seed
  d1 <- distance_correlation(X, X[, 1:2], n_pairs = 500, seed = 4)
  invisible(embed_pca(X))
  expect_identical(.Random.seed, state)
  expect_identical(distance_correlation(X, X[, 1:2], n_pairs = 500, seed = 4), d1)
})

test_that("t-SNE is bit-identical across thread counts and honours set.seed()", {
  set.seed(2)
  X <- rbind(matrix(rnorm(300 * 5), 300, 5), matrix(rnorm(300 * 5, 4), 300, 5))
  run <- function(n_threads, seed = 7) {
    # random initialisation, so that the seed matters
    embed_tsne(X, perplexity = 20, n_iter = 200, early_iter = 50, init = "random",
               n_threads = n_threads, seed = seed)
  }
  e1 <- run(1)
  e2 <- run(2)
  expect_identical(as.matrix(e1), as.matrix(e2))
  expect_false(identical(as.matrix(run(1, seed = 8)), as.matrix(e1)))
  set.seed(30); a <- run(2, seed = NULL)
  set.seed(30); b <- run(2, seed = NULL)
  expect_identical(as.matrix(a), as.matrix(b))
})

test_that("an HNSW graph is the same for a seed whatever the thread count, and run to run", {
  # Small HNSW settings make the search's result depend on how the index was linked, so a build
  # whose insertion order varied with the threads would show here (main's concurrent build did:
  # two 2-thread runs of this test differed).
  set.seed(3)
  X <- matrix(rnorm(6000 * 8), 6000, 8)
  run <- function(n_threads) {
    knn_graph(X, k = 10, method = "hnsw", n_threads = n_threads, M = 4, ef_construction = 8,
              ef = 12, seed = 7)
  }
  g1 <- run(1)
  g2 <- run(2)
  g2b <- run(2)
  expect_identical(g2$idx, g2b$idx)
  expect_identical(g2$dist, g2b$dist)
  expect_identical(g1$idx, g2$idx)
  expect_identical(g1$dist, g2$dist)
})

test_that("an HNSW graph is the same on every vector path of its distances", {
  # 13 dimensions: one block of 8 floats (4 doubles) and leftovers on each path (sqdist.hpp).
  # Small HNSW settings make the graph sensitive to the distances' last bits.
  set.seed(11)
  X <- matrix(rnorm(3000 * 13), 3000, 13)
  paths <- nembed:::simd_paths_cpp()
  run <- function(simd) {
    nembed:::knn_dense_cpp(X, list(k = 10L, method = "hnsw", metric = "euclidean", n_threads = 2L,
                                   M = 4, ef_construction = 8, ef = 12, seed = 7, simd = simd))
  }
  ref <- run("portable")
  for (path in paths[-1]) expect_identical(run(path), ref, label = path)
  # The re-ranked distances are the exact ones.
  i <- 5
  expect_equal(ref$dist[i, ], sqrt(colSums((t(X[ref$idx[i, ], ]) - X[i, ])^2)), tolerance = 1e-12)
})
