# Table-driven bad-input suite (issue 8). The table lives in helper-bad-input.R; every case either
# works and its result is checked, or raises a classed nembed_error naming the argument. The
# inputs must come back unchanged. The whole table runs once, in a child R process running the
# installed nembed, which must return every outcome and exit normally (no crash).

test_that("the bad-input table covers at least 40 distinct cases across the API", {
  cases <- bad_input_cases()
  expect_gte(length(cases), 40)
  expect_false(anyDuplicated(names(cases)) > 0)
  fns <- unique(sub(":.*", "", names(cases)))
  exported <- c("knn_graph", "affinities", "knn_accuracy", "knn_recall", "distance_correlation",
                "pca", "load_fashion_mnist", "default_threads", "embed_tsne", "continue_tsne",
                "embed_transform", "embedding_record", "wasserstein_distances",
                "embed_wasserstein", "hierarchical_gaussian_mixture", "plot_units",
                "embed_pca", "spectral_distances", "persistent_homology", "detection_score",
                "as_persistence", "noisy_circle", "sce_embedding", "load_hsmm", "embed_umap",
                "embed_contrastive", "embed_fa2", "embed_laplacian", "embed_spectrum")
  expect_setequal(intersect(exported, fns), exported)
})

test_that("every bad input works correctly or raises a classed error naming the argument, and none crashes a fresh R session", {
  # One child R process running the installed nembed runs the whole table: it must finish (no
  # crash, no hang) and every outcome is checked against the table.
  helper <- normalizePath(test_path("helper-bad-input.R"))
  cases <- bad_input_cases()
  res <- run_cases_in_child(helper, "bad_input_cases", timeout = 120)
  if (inherits(res, "error")) {
    # Find the case that took the child down, one child per case.
    one <- function(helper, i) {
      suppressPackageStartupMessages(library(nembed))
      env <- new.env()
      sys.source(helper, envir = env)
      env$run_bad_input_case(env$bad_input_cases()[[i]])$outcome
    }
    crashed <- names(cases)[vapply(seq_along(cases), function(i) {
      inherits(tryCatch(callr::r(one, args = list(helper, i), libpath = .libPaths(), timeout = 60),
                        error = function(e) e), "error")
    }, logical(1))]
    fail(paste0("the child R process did not finish (", conditionMessage(res), "); cases that ",
                "crash or hang on their own: ", paste(crashed, collapse = "; ")))
    return()
  }
  expect_identical(names(res), names(cases))
  for (nm in names(cases)) expect_case(cases[[nm]], res[[nm]])
})
