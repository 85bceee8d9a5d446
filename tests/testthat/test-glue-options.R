# Options cross into C++ as one named list read into the core's params structs (src/params.h):
# unknown names, unknown option strings and wrong types are errors in the core's one format,
# "nembed[<kind>|<arg>] <message>", never a silent fallback to a default.
test_that("glue options: unknown names and strings throw nembed[kind|arg] errors", {
  set.seed(1)
  ref <- matrix(rnorm(40), 20)
  q <- matrix(rnorm(10), 5)
  ok <- nembed:::knn_query_cpp(ref, q, list(k = 3L, metric = "euclidean", n_threads = 1L))
  # Independent reference: brute-force nearest neighbours.
  d <- as.matrix(dist(rbind(q, ref)))[1:5, -(1:5)]
  expect_identical(ok$idx[, 1], unname(apply(d, 1, which.min)))
  expect_error(nembed:::knn_query_cpp(ref, q, list(k = 3L, metric = "manhattan")),
               "nembed[value|metric]", fixed = TRUE)
  expect_error(nembed:::knn_query_cpp(ref, q, list(k = 3L, n_thread = 2L)),
               "nembed[value|n_thread] unknown option", fixed = TRUE)
  expect_error(nembed:::knn_query_cpp(ref, q, list(k = "3")), "nembed[type|k]", fixed = TRUE)
  expect_error(nembed:::knn_query_cpp(ref, q, list(k = 3L, verbose = NA)),
               "nembed[type|verbose]", fixed = TRUE)
  expect_error(nembed:::knn_query_cpp(ref, q, list(3L)), "nembed[value|options]", fixed = TRUE)
  W <- Matrix::sparseMatrix(i = c(1, 2, 2, 3), j = c(2, 1, 3, 2), x = 1, dims = c(3, 3))
  expect_error(nembed:::contrastive_sgd_cpp(matrix(0, 3, 2), W, list(loss = "tsne")),
               "nembed[value|loss]", fixed = TRUE)
  expect_error(nembed:::forceatlas2_cpp(matrix(0, 3, 2), as.matrix(W), list()),
               "nembed[type|W]", fixed = TRUE)
})
