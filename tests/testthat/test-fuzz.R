# Issue 14: a fixed-seed slice of nembed's own fuzzer (helper-fuzz.R). Every case must end in a
# classed nembed_error naming an argument or in a valid, finite result, with its inputs unchanged,
# and none may crash or hang the child R process that runs it. tools/fuzz.R runs larger random
# slices by hand and prints the counts by outcome.

test_that("a fixed slice of 300 fuzz cases ends in classed errors or valid results", {
  skip_if_not_installed("callr")
  ids <- seq(14001L, length.out = 300L)
  res <- fuzz_run(ids, helper = normalizePath(test_path("helper-fuzz.R")), timeout = 240)
  counts <- table(factor(res$outcome, levels = c("ok", "nembed_error", "other_error",
                                                 "invalid_result", "modified_input", "crash",
                                                 "hang", "setup_error")))
  message("fuzz slice: ", paste(names(counts), counts, sep = " ", collapse = ", "))
  bad <- res[!res$outcome %in% c("ok", "nembed_error"), , drop = FALSE]
  expect_identical(nrow(bad), 0L,
                   label = paste("defective cases:", paste(sprintf("#%d %s -> %s", bad$id, bad$label, bad$outcome),
                                                            collapse = "; ")))
  # The slice exercises both sides of the property, and every kind of target.
  expect_gt(counts[["ok"]], 30)
  expect_gt(counts[["nembed_error"]], 30)
})

test_that("the fuzzer's own oracle tells valid results from invalid ones", {
  X <- matrix(rnorm(40), 20, 2)
  e <- embed_pca(X)
  expect_true(fuzz_valid_result(e))
  bad <- e
  bad$x[3] <- NaN
  expect_false(fuzz_valid_result(bad))
  g <- knn_graph(X, k = 3, n_threads = 1)
  expect_true(fuzz_valid_result(g))
  g$idx[1, 1] <- 99L
  expect_false(fuzz_valid_result(g))
  d <- dist(X)
  expect_true(fuzz_valid_result(d))
  d[2] <- Inf
  expect_false(fuzz_valid_result(d))
  # Cases are reproducible from their id.
  expect_identical(fuzz_case(7)$label, fuzz_case(7)$label)
})
