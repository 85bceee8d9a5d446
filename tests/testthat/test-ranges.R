# Issue 14's parameter audit; see helper-ranges.R for how the arguments are found.

test_that("every numeric argument of every exported function is refused cleanly or gives a finite result", {
  skip_on_cran()
  sweep <- range_sweep()
  # The sweep really covers the API: the main methods and many of their arguments are in it.
  expect_true(all(c("embed_tsne", "embed_umap", "embed_contrastive", "knn_graph", "pca") %in% sweep$target))
  expect_gt(length(unique(paste(sweep$target, sweep$arg))), 100)
  bad <- sweep[!sweep$outcome %in% c("error", "finite"), ]
  expect_identical(nrow(bad), 0L,
                   info = paste(sprintf("%s(%s = %s): %s", bad$target, bad$arg, bad$value,
                                        substr(bad$outcome, 1, 120)), collapse = "\n"))
})

test_that("every numeric argument's help text states its range", {
  ns <- asNamespace("nembed")
  missing <- character()
  for (tn in names(range_targets())) {
    fn <- get(range_targets()[[tn]]$fun, envir = ns)
    for (arg in range_numeric_args(fn)) {
      txt <- range_rd_item(tn, arg)
      if (is.na(txt) || !range_documented(txt)) missing <- c(missing, sprintf("%s(%s)", tn, arg))
    }
  }
  expect_identical(missing, character(), info = paste(missing, collapse = ", "))
})

test_that("the range detector tells a stated range from a bare description", {
  expect_true(range_documented("A whole number, at least 1."))
  expect_true(range_documented("A number in (0, 1]."))
  expect_true(range_documented("Positive number."))
  expect_false(range_documented("Number of neighbours, excluding the point itself."))
  expect_false(range_documented("Seed for the random start."))
})
