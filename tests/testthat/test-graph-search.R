# Approximate queries on a kNN graph (graph_search.hpp, embed_transform(knn_method = "graph")),
# checked against brute force written in R.

brute_knn_r <- function(ref, q, k) {
  d2 <- outer(rowSums(q^2), rowSums(ref^2), "+") - 2 * q %*% t(ref)
  idx <- t(apply(d2, 1, function(r) order(r)[seq_len(k)]))
  list(idx = idx, dist = sqrt(pmax(0, t(vapply(seq_len(nrow(q)), function(i) d2[i, idx[i, ]], numeric(k))))))
}

test_that("the graph search finds nearly all exact neighbours, with exact distances", {
  set.seed(11)
  centres <- matrix(rnorm(8 * 10, sd = 6), 8)
  lab <- sample(8, 3200, replace = TRUE)
  X <- centres[lab, ] + matrix(rnorm(3200 * 10), 3200)
  ref <- X[1:3000, ]
  q <- X[3001:3200, ]
  G <- nembed:::as_weight_matrix(affinities(ref, method = "umap", k = 14, n_threads = 1)$P, "X")
  truth <- brute_knn_r(ref, q, 10)
  for (ef in c(32, 64)) {
    g <- nembed:::knn_query_graph_cpp(ref, q, G, list(k = 10, metric = "euclidean", ef = ef,
                                                      n_threads = 1))
    recall <- mean(vapply(seq_len(nrow(q)), function(i) length(intersect(g$idx[i, ], truth$idx[i, ])), 0)) / 10
    expect_gt(recall, 0.97)
    # every neighbour returned carries its exact distance, in increasing order
    exact <- t(vapply(seq_len(nrow(q)), function(i) sqrt(colSums((t(ref[g$idx[i, ], ]) - q[i, ])^2)), numeric(10)))
    expect_equal(g$dist, exact, tolerance = 1e-10)
    expect_true(all(apply(g$dist, 1, function(r) !is.unsorted(r))))
  }
  # the same with 1 and 2 threads, and on every vector path of its float distances
  g1 <- nembed:::knn_query_graph_cpp(ref, q, G, list(k = 10, metric = "euclidean", ef = 32, n_threads = 1))
  g2 <- nembed:::knn_query_graph_cpp(ref, q, G, list(k = 10, metric = "euclidean", ef = 32, n_threads = 2))
  expect_identical(g1, g2)
  # a graph of the wrong size is refused
  expect_error(nembed:::knn_query_graph_cpp(ref[1:100, ], q, G, list(k = 10, n_threads = 1)),
               "one row per reference point")
})

test_that("embed_transform's knn_method: auto is exact for small references, graph is close", {
  set.seed(3)
  X <- rbind(matrix(rnorm(600 * 5), 600), matrix(rnorm(600 * 5, mean = 4), 600))
  e <- embed_umap(X[1:1100, ], n_epochs = 50, n_threads = 1, seed = 1)
  auto <- embed_transform(e, X[1101:1200, ], n_threads = 1)
  exact <- embed_transform(e, X[1101:1200, ], n_threads = 1, knn_method = "exact")
  expect_identical(as.matrix(auto), as.matrix(exact))
  graph <- embed_transform(e, X[1101:1200, ], n_threads = 1, knn_method = "graph")
  expect_equal(dim(graph), dim(exact))
  # where the search found the exact neighbours (nearly everywhere on such data) the new point's
  # memberships, start and SGD are the same, so is its position
  same <- rowSums(abs(as.matrix(graph) - as.matrix(exact))) == 0
  expect_gt(mean(same), 0.95)
  expect_error(embed_transform(e, X[1101:1200, ], knn_method = "annoy"), class = "nembed_error")
})
