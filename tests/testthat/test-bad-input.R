# Table-driven bad-input suite (issue 8). The table lives in helper-bad-input.R; every case either
# works and its result is checked, or raises a classed nembed_error naming the argument. The
# inputs must come back unchanged, and the whole table is replayed in a child R process running
# the installed nembed, which must return every outcome and exit normally (no crash).

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

test_that("every bad input works correctly or raises a classed error naming the argument", {
  for (case in bad_input_cases()) expect_case(case, run_bad_input_case(case))
})

test_that("no bad input crashes a fresh R session running the installed nembed", {
  skip_if_not_installed("callr")
  helper <- normalizePath(test_path("helper-bad-input.R"))
  child <- function(helper) {
    suppressPackageStartupMessages(library(nembed))
    env <- new.env()
    sys.source(helper, envir = env)
    vapply(env$bad_input_cases(), function(case) env$run_bad_input_case(case)$outcome, "")
  }
  lib <- .libPaths()
  out <- tryCatch(callr::r(child, args = list(helper), libpath = lib, timeout = 120),
                  error = function(e) e)
  if (inherits(out, "error")) {
    # Find the case that took the child down, one child per case.
    cases <- bad_input_cases()
    one <- function(helper, i) {
      suppressPackageStartupMessages(library(nembed))
      env <- new.env()
      sys.source(helper, envir = env)
      env$run_bad_input_case(env$bad_input_cases()[[i]])$outcome
    }
    crashed <- names(cases)[vapply(seq_along(cases), function(i) {
      inherits(tryCatch(callr::r(one, args = list(helper, i), libpath = lib, timeout = 60),
                        error = function(e) e), "error")
    }, logical(1))]
    fail(paste0("the child R process did not finish (", conditionMessage(out), "); cases that ",
                "crash or hang on their own: ", paste(crashed, collapse = "; ")))
    return()
  }
  cases <- bad_input_cases()
  expect_identical(names(out), names(cases))
  expected <- vapply(cases, function(cs) if (identical(cs$expect, "ok")) "ok" else "nembed_error", "")
  got <- ifelse(out == "ok", "ok", ifelse(startsWith(out, "nembed_error"), "nembed_error", out))
  expect_identical(got, expected)
})
