test_that("exact kNN equals brute force with ties and duplicate rows, for each metric", {
  set.seed(3)
  # Integer grid points give exact ties; duplicated rows must be neighbours at distance 0.
  X <- matrix(sample(0:4, 120 * 3, replace = TRUE), 120, 3)
  X <- rbind(X, X[1:10, ])
  for (metric in c("euclidean", "cosine", "correlation")) {
    Xm <- if (metric == "euclidean") X else X + matrix(runif(length(X)), nrow(X))
    g <- knn_graph(Xm, k = 7, method = "exact", metric = metric, n_threads = 2)
    ref <- ref_knn(Xm, 7, metric)
    expect_equal(g$dist, ref$dist, tolerance = 1e-10)
    if (metric == "euclidean") {
      expect_identical(g$idx, ref$idx)
    } else {
      # continuous data: no ties, so the order is determined
      expect_identical(g$idx, ref$idx)
    }
  }
  g <- knn_graph(X, k = 5, method = "exact", n_threads = 1)
  expect_true(all(g$dist[121:130, 1] == 0))
  expect_true(all(g$idx[121:130, 1] == 1:10 | g$dist[121:130, 1] == 0))
  expect_false(any(g$idx == seq_len(nrow(X))))
})

test_that("the symmetric brute force (several Gram tiles) equals brute force, ties included", {
  # More than one 256-point block, so candidates reach a point both from the tiles where it is a
  # query and from the transposed ones (knn.hpp, brute_force_knn_self); integer coordinates
  # give ties at every distance, duplicates across blocks give distance 0; dense and sparse input.
  set.seed(11)
  X <- matrix(sample(0:3, 700 * 4, replace = TRUE), 700, 4)
  X[650:700, ] <- X[1:51, ]
  ref <- ref_knn(X, 20)
  for (threads in 1:2) {
    g <- knn_graph(X, k = 20, method = "exact", n_threads = threads)
    expect_identical(g$idx, ref$idx)
    expect_equal(g$dist, ref$dist, tolerance = 1e-12)
  }
  gs <- knn_graph(Matrix::Matrix(X, sparse = TRUE), k = 20, method = "exact", n_threads = 2)
  expect_identical(gs$idx, ref$idx)
  # k close to n: every other point is a candidate
  Y <- X[1:300, ] + matrix(runif(1200), 300)
  expect_identical(knn_graph(Y, k = 295, method = "exact", n_threads = 2)$idx, ref_knn(Y, 295)$idx)
})

test_that("the k-d tree for 1 to 3 dimensions equals brute force, ties included", {
  set.seed(5)
  # 1-D with heavy ties, 2-D grid with ties and duplicates, 3-D continuous: the k-d tree path
  # (up to 3 columns) against R's dist() and order().
  inputs <- list(matrix(sample(0:20, 1500, replace = TRUE), ncol = 1),
                 matrix(sample(0:30, 3000, replace = TRUE), ncol = 2),
                 matrix(rnorm(4500), ncol = 3))
  for (X in inputs) {
    g <- knn_graph(X, k = 12, method = "exact", n_threads = 2)
    ref <- ref_knn(X, 12)
    expect_identical(g$idx, ref$idx)
    expect_equal(g$dist, ref$dist, tolerance = 1e-12)
  }
  # Queries against a reference (the path embed_transform and the quality measures use).
  ref_pts <- inputs[[2]][1:1000, ] + 0.25
  q <- nembed:::knn_query_cpp(ref_pts, inputs[[2]][1001:1500, ] + 0,
                                 list(k = 5L, metric = "euclidean", n_threads = 2L))
  D <- as.matrix(stats::dist(rbind(inputs[[2]][1001:1500, ], ref_pts)))[1:500, 501:1500]
  expect_identical(q$idx, unname(t(apply(D, 1, function(r) order(r, seq_along(r))[1:5]))))
})

test_that("the result does not depend on the number of threads", {
  set.seed(1)
  X <- matrix(rnorm(3000 * 5), 3000)
  g1 <- knn_graph(X, k = 10, method = "exact", n_threads = 1)
  g2 <- knn_graph(X, k = 10, method = "exact", n_threads = 2)
  expect_identical(g1$idx, g2$idx)
  expect_identical(g1$dist, g2$dist)
})

test_that("HNSW recall is high and it is reproducible with one thread", {
  set.seed(2)
  X <- matrix(rnorm(3000 * 10), 3000)
  ge <- knn_graph(X, k = 15, method = "exact", n_threads = 2)
  gh <- knn_graph(X, k = 15, method = "hnsw", n_threads = 2, seed = 1)
  recall <- mean(vapply(seq_len(nrow(X)), function(i) length(intersect(ge$idx[i, ], gh$idx[i, ])),
                        numeric(1))) / 15
  expect_gt(recall, 0.98)
  a <- knn_graph(X, k = 15, method = "hnsw", n_threads = 1, seed = 5)
  b <- knn_graph(X, k = 15, method = "hnsw", n_threads = 1, seed = 5)
  expect_identical(a$idx, b$idx)
  # HNSW distances are recomputed exactly
  i <- 7
  expect_equal(gh$dist[i, ], sqrt(colSums((t(X[gh$idx[i, ], ]) - X[i, ])^2)))
})

test_that("HNSW links points inserted in the same build batch to one another", {
  # The index is built in batches of 256 whose points search the index as it stood before the
  # batch. Clusters far apart, inserted one after another and each filling whole batches, can
  # only find their neighbours among points of their own batch: without those exact
  # within-batch candidates every point's neighbours would lie in an earlier cluster.
  set.seed(4)
  sizes <- c(1, rep(256, 6))  # the first point alone, then clusters aligned to the batches
  X <- do.call(rbind, lapply(seq_along(sizes), function(c)
    matrix(rnorm(sizes[c] * 6, mean = 100 * c), sizes[c], 6)))
  ge <- knn_graph(X, k = 10, method = "exact", n_threads = 1)
  for (t in 1:2) {
    gh <- knn_graph(X, k = 10, method = "hnsw", n_threads = t, seed = 3)
    recall <- mean(vapply(seq_len(nrow(X))[-1], function(i)
      length(intersect(ge$idx[i, ], gh$idx[i, ])), numeric(1))) / 10
    expect_gt(recall, 0.98)
  }
})

test_that("HNSW recall@15 >= 0.98 on 10,000 Fashion-MNIST points (PCA 50)", {
  skip_if_not(fashion_available(), "Fashion-MNIST not installed")
  fm <- load_fashion_mnist(n = 10000)
  Z <- pca(fm$X, 50)
  ge <- knn_graph(Z, k = 15, method = "exact", n_threads = 2)
  gh <- knn_graph(Z, k = 15, method = "hnsw", n_threads = 2)
  shared <- 0
  for (j in 1:15) shared <- shared + rowSums(gh$idx == ge$idx[, j])
  expect_gte(mean(shared) / 15, 0.98)
})

test_that("sparse, data frame, dist and precomputed inputs agree with dense input", {
  set.seed(4)
  X <- matrix(rnorm(200 * 6), 200)
  X[abs(X) < 0.8] <- 0
  g <- knn_graph(X, k = 8, method = "exact", n_threads = 1)
  gs <- knn_graph(Matrix::Matrix(X, sparse = TRUE), k = 8, n_threads = 1)
  expect_identical(gs$idx, g$idx)
  expect_equal(gs$dist, g$dist, tolerance = 1e-12)
  gc <- knn_graph(X, k = 8, metric = "cosine", n_threads = 1)
  gcs <- knn_graph(Matrix::Matrix(X, sparse = TRUE), k = 8, metric = "cosine", n_threads = 1)
  expect_identical(gcs$idx, gc$idx)
  gd <- knn_graph(as.data.frame(X), k = 8, n_threads = 1)
  expect_identical(gd$idx, g$idx)
  gdist <- knn_graph(dist(X), k = 8)
  expect_identical(gdist$idx, g$idx)
  expect_equal(gdist$dist, g$dist, tolerance = 1e-10)
  gp <- knn_graph(list(index = g$idx, distance = g$dist), k = 5)
  expect_identical(gp$idx, g$idx[, 1:5])
  expect_identical(knn_graph(g, k = 3)$idx, g$idx[, 1:3])
})

test_that("bad input raises classed errors naming the argument, and inputs are unchanged", {
  X <- matrix(rnorm(40), 20)
  X0 <- X
  expect_nembed_error(knn_graph(X, k = 20), "k")
  expect_nembed_error(knn_graph(X, k = 0), "k")
  expect_nembed_error(knn_graph(X, k = 2.5), "k")
  Xna <- X; Xna[3, 1] <- NA
  expect_nembed_error(knn_graph(Xna), "X")
  Xinf <- X; Xinf[2, 2] <- Inf
  expect_nembed_error(knn_graph(Xinf), "X")
  expect_nembed_error(knn_graph(data.frame(a = 1:5, b = letters[1:5])), "X")
  expect_nembed_error(knn_graph(matrix(letters[1:10], 5)), "X")
  expect_nembed_error(knn_graph(X[1, , drop = FALSE], k = 1), "X")
  expect_nembed_error(knn_graph(matrix(numeric(0), 10, 0), k = 1), "X")
  d <- dist(X); d[3] <- NA
  expect_nembed_error(knn_graph(d, k = 3), "X")
  expect_nembed_error(knn_graph(X, n_threads = -1), "n_threads")
  expect_nembed_error(knn_graph(X, n_threads = 1.5), "n_threads")
  expect_nembed_error(knn_graph(X, metric = "manhattan"), "metric")
  expect_nembed_error(knn_graph(Matrix::Matrix(X, sparse = TRUE), metric = "correlation"), "metric")
  expect_nembed_error(knn_graph(list(idx = matrix(1L, 3, 2)), k = 1), "X")
  expect_identical(X, X0)
  err <- tryCatch(knn_graph(X, k = 50), nembed_error = function(e) e)
  expect_s3_class(err, "nembed_error_size")
})
