# Issue 14's parameter audit; see helper-ranges.R for how the arguments are found.

test_that("every numeric argument of every exported function is refused cleanly or gives a finite result", {
  sweep <- range_sweep()
  # The sweep really covers the API: the main methods and many of their arguments are in it.
  expect_true(all(c("embed_tsne", "embed_umap", "embed_contrastive", "knn_graph", "pca") %in% sweep$target))
  expect_gt(length(unique(paste(sweep$target, sweep$arg))), 100)
  bad <- sweep[!sweep$outcome %in% c("error", "finite"), ]
  expect_identical(nrow(bad), 0L,
                   info = paste(sprintf("%s(%s = %s): %s", bad$target, bad$arg, bad$value,
                                        substr(bad$outcome, 1, 120)), collapse = "\n"))
})

test_that("every numeric argument has a documented range, and every documented one exists", {
  missing <- character()
  unknown <- character()
  for (tn in names(range_targets())) {
    t <- range_targets()[[tn]]
    fn <- get(t$fun, envir = asNamespace("nembed"))
    tab <- range_table(tn)
    missing <- c(missing, sprintf("%s(%s)", tn, setdiff(range_numeric_args(fn), names(tab))))
    # Entries of a shared page may belong to a sibling (noisy_torus's R and r).
    if (is.null(t$ranges)) unknown <- c(unknown, sprintf("%s(%s)", tn, setdiff(names(tab), names(formals(fn)))))
  }
  expect_identical(missing, character(), info = paste(missing, collapse = ", "))
  expect_identical(unknown, character(), info = paste(unknown, collapse = ", "))
  # Every export with a numeric argument is audited. Three only by their table: plot_units draws,
  # and the loaders read the full data sets before they can check an argument.
  ns <- asNamespace("nembed")
  tab <- get("param_ranges", envir = ns)()
  table_only <- c("plot_units", "load_fashion_mnist", "load_hsmm")
  for (f in getNamespaceExports("nembed")) {
    fn <- get(f, envir = ns)
    if (!is.function(fn)) next
    if (exists(paste0(f, ".default"), envir = ns)) fn <- get(paste0(f, ".default"), envir = ns)
    if (f %in% table_only) {
      expect_true(all(range_numeric_args(fn) %in% names(tab[[f]])), info = f)
      expect_true(all(names(tab[[f]]) %in% names(formals(fn))), info = f)
    } else if (length(range_numeric_args(fn))) {
      expect_true(f %in% names(range_targets()), info = f)
    }
  }
})

test_that("each help page shows its ranges in a 'Valid ranges' section", {
  skip_if(is.null(tools::Rd_db("nembed")[["embed_tsne.Rd"]]), "help pages not installed")
  absent <- character()
  for (tn in names(range_targets())) {
    page <- range_targets()[[tn]]$page %||% tn
    txt <- range_rd_section(page)
    for (arg in names(range_table(tn))) {
      if (is.na(txt) || !grepl(paste0(arg, ":"), txt, fixed = TRUE)) absent <- c(absent, sprintf("%s(%s)", page, arg))
    }
  }
  expect_identical(absent, character(), info = paste(absent, collapse = ", "))
})

test_that("a value just outside each documented range is refused with a classed error", {
  bad <- range_boundary_sweep()
  expect_identical(bad, character(), info = paste(bad, collapse = "\n"))
})

test_that("range texts state the bounds", {
  rt <- get("range_text", envir = asNamespace("nembed"))
  pr <- get("param_range", envir = asNamespace("nembed"))
  expect_identical(rt(pr("count", 2, 20)), "a whole number from 2 to 20")
  expect_identical(rt(pr("number", 0, lower_open = TRUE)), "a number greater than 0")
  expect_identical(rt(pr("number", 0, 1, upper_open = TRUE, null = "x")), "a number in \\[0, 1); or `NULL`: x")
})
