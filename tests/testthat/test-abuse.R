# Issue 14: objects that cannot crash R. The table in helper-abuse.R holds every crash, silently
# wrong result, non-finite output and unclassed refusal the issue lists (and their relatives),
# each reproduced against the unfixed package first. Each case must end in a classed nembed_error
# naming the argument, or in a result checked against an independent reference, with the inputs
# unchanged. The table runs once, in a child R process, which must survive it.

test_that("every abuse case is refused with a classed error or gives a checked result, and none crashes a fresh R session", {
  # One child R process running the installed nembed runs the whole table: it must finish, and
  # every outcome is checked against the table.
  helpers <- normalizePath(c(test_path("helper-bad-input.R"), test_path("helper-abuse.R")))
  res <- run_cases_in_child(helpers, "abuse_cases", timeout = 180)
  expect_false(inherits(res, "error"), label = paste("child R process:", if (inherits(res, "error")) conditionMessage(res)))
  if (inherits(res, "error")) return()
  cases <- abuse_cases()
  expect_identical(names(res), names(cases))
  for (nm in names(cases)) expect_case(cases[[nm]], res[[nm]])
})

test_that("the validators accept what nembed itself builds", {
  set.seed(3)
  X <- matrix(rnorm(80 * 4), 80, 4)
  g <- knn_graph(X, k = 7, n_threads = 1)
  expect_identical(nembed:::validate_knn(g), g)
  A <- affinities(g, perplexity = 2, k = 7, n_threads = 1)
  expect_identical(nembed:::validate_affinities(A)$P, A$P)
  # Ties in distance are sorted (non-decreasing): a graph of duplicated points is valid.
  D <- matrix(rep(1:4, each = 10), 40, 1) + 0
  expect_silent(nembed:::validate_knn(knn_graph(D, k = 5, n_threads = 1)))
  # Sorting a precomputed list: brute force per row.
  L <- list(idx = g$idx[, 7:1], dist = g$dist[, 7:1])
  s <- knn_graph(L, k = 7)
  expect_identical(s$idx, g$idx)
  expect_identical(s$dist, g$dist)
})

test_that("a result with NaN or Inf is an error, never a return value", {
  err <- tryCatch(nembed:::new_embedding(matrix(c(1, NaN, 2, 3), 2), list(method = "umap")),
                  nembed_error = function(e) e)
  expect_s3_class(err, "nembed_error_value")
  expect_match(conditionMessage(err), "non-finite")
  expect_s3_class(nembed:::new_embedding(matrix(c(1, 0, 2, 3), 2), list(method = "umap")),
                  "nembed_embedding")
})
