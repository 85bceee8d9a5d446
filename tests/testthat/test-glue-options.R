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

test_that("t-SNE glue options: unknown repulsion and names throw, absent names keep defaults", {
  set.seed(2)
  n <- 12
  P <- Matrix::sparseMatrix(i = c(seq_len(n - 1), seq_len(n - 1) + 1),
                            j = c(seq_len(n - 1) + 1, seq_len(n - 1)), x = 1, dims = c(n, n))
  Y <- matrix(rnorm(n * 2), n)
  grad <- function(options) nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y, options)
  # Independent reference for the repulsion-only gradient (rho = 0): -(1/Z) sum_j w_ij^2 (y_i - y_j).
  W <- 1 / (1 + as.matrix(dist(Y))^2)
  diag(W) <- 0
  ref <- t(vapply(seq_len(n), function(i) -colSums(W[i, ]^2 * sweep(-Y, 2, Y[i, ], "+")) / sum(W),
                  numeric(2)))
  expect_equal(grad(list(repulsion = "exact", rho = 0))$gradient, ref, tolerance = 1e-10)
  expect_error(grad(list(repulsion = "barnes-hut")), "nembed[value|repulsion]", fixed = TRUE)
  expect_error(grad(list(repulsion = "exact", thetaa = 0.5)),
               "nembed[value|thetaa] unknown option", fixed = TRUE)
  expect_error(nembed:::tsne_cpp(P@p, P@i, P@x, Y, list(n_iter = "10")),
               "nembed[type|n_iter]", fixed = TRUE)
  expect_error(nembed:::perplexity_conditional_cpp(matrix(1, 2, 3), c(2, 2), list(threads = 1L)),
               "nembed[value|threads] unknown option", fixed = TRUE)
  expect_error(nembed:::tsne_transform_cpp(Y, matrix(1L, 2, 1), matrix(1, 2, 1), Y[1:2, ],
                                           list(learning_rat = 1)),
               "nembed[value|learning_rat] unknown option", fixed = TRUE)
})
