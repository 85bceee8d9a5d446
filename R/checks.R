# Argument checking shared by every exported function. One concept, one place: every check that
# more than one function needs lives here, and every error is raised through nembed_abort().

#' Errors raised by nembed
#'
#' Every error nembed raises on bad input is a condition of class `nembed_error` plus a specific
#' subclass, and its message names the argument and what was wrong with it. The subclasses are:
#' `nembed_error_type` (wrong type or class), `nembed_error_value` (NA, NaN, Inf, out of range),
#' `nembed_error_size` (too few points, k or perplexity too large, wrong length or shape),
#' `nembed_error_graph` (a disconnected graph where one is not allowed) and
#' `nembed_error_dependency` (an optional package is missing).
#'
#' @name nembed_error
#' @examples
#' err <- tryCatch(knn_graph(matrix(NA_real_, 5, 2)), nembed_error = function(e) e)
#' class(err)
#' conditionMessage(err)
NULL

nembed_abort <- function(message, subclass = "value", arg = NULL, call = NULL) {
  cond <- structure(
    class = c(paste0("nembed_error_", subclass), "nembed_error", "error", "condition"),
    list(message = message, call = call, arg = arg)
  )
  stop(cond)
}

nembed_warn <- function(message, subclass = "warning") {
  cond <- structure(
    class = c(paste0("nembed_", subclass), "nembed_warning", "warning", "condition"),
    list(message = message, call = NULL)
  )
  warning(cond)
}

# Messages for verbose = TRUE go through message(), never cat().
tsmessage <- function(..., verbose = TRUE) {
  if (isTRUE(verbose)) message(format(Sys.time(), "%H:%M:%S "), ...)
}

check_flag <- function(x, arg) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    nembed_abort(sprintf("`%s` must be TRUE or FALSE.", arg), "type", arg)
  }
  x
}

check_number <- function(x, arg, lower = -Inf, upper = Inf, lower_open = FALSE,
                         upper_open = FALSE, allow_null = FALSE) {
  if (is.null(x) && allow_null) return(NULL)
  if (!is.numeric(x) || length(x) != 1L) {
    nembed_abort(sprintf("`%s` must be a single number.", arg), "type", arg)
  }
  if (!is.finite(x)) {
    nembed_abort(sprintf("`%s` must be finite, not %s.", arg, format(x)), "value", arg)
  }
  bad_low <- if (lower_open) x <= lower else x < lower
  bad_up <- if (upper_open) x >= upper else x > upper
  if (bad_low || bad_up) {
    lo <- if (is.finite(lower)) paste(if (lower_open) ">" else ">=", format(lower)) else NULL
    up <- if (is.finite(upper)) paste(if (upper_open) "<" else "<=", format(upper)) else NULL
    nembed_abort(sprintf("`%s` must be %s; it is %s.", arg, paste(c(lo, up), collapse = " and "),
                         format(x)), "value", arg)
  }
  as.numeric(x)
}

check_count <- function(x, arg, lower = 1, upper = Inf, allow_null = FALSE) {
  if (is.null(x) && allow_null) return(NULL)
  if (!is.numeric(x) || length(x) != 1L || is.na(x)) {
    nembed_abort(sprintf("`%s` must be a single whole number.", arg), "type", arg)
  }
  if (!is.finite(x) || x != round(x)) {
    nembed_abort(sprintf("`%s` must be a whole number, not %s.", arg, format(x)), "value", arg)
  }
  upper <- min(upper, .Machine$integer.max)  # the result is an R integer
  if (x < lower || x > upper) {
    rng <- if (is.finite(upper)) sprintf("between %s and %s", format(lower), format(upper))
           else sprintf("at least %s", format(lower))
    nembed_abort(sprintf("`%s` must be %s; it is %s.", arg, rng, format(x)),
                 if (x > upper) "size" else "value", arg)
  }
  as.integer(x)
}

check_choice <- function(x, choices, arg) {
  if (!is.character(x) || length(x) < 1L || anyNA(x)) {
    nembed_abort(sprintf("`%s` must be one of %s.", arg,
                         paste(sprintf('"%s"', choices), collapse = ", ")), "type", arg)
  }
  if (length(x) > 1L && identical(x, choices)) return(choices[1L])
  if (length(x) != 1L || !(x %in% choices)) {
    nembed_abort(sprintf("`%s` must be one of %s, not \"%s\".", arg,
                         paste(sprintf('"%s"', choices), collapse = ", "),
                         paste(x, collapse = ", ")), "value", arg)
  }
  x
}

#' Number of threads nembed uses
#'
#' `n_threads = NULL` resolves to RcppParallel's default (the number of cores it may use), capped
#' at 2 when the environment variable `_R_CHECK_LIMIT_CORES_` is set (as `R CMD check --as-cran`
#' does), so that checks never use more than two cores.
#'
#' @param n_threads `NULL` or a whole number >= 1.
#' @return The number of threads as an integer.
#' @section Valid ranges: `r range_section("default_threads")`
#' @export
#' @examples
#' default_threads()
#' default_threads(1)
default_threads <- function(n_threads = NULL) {
  if (is.null(n_threads)) {
    n <- RcppParallel::defaultNumThreads()
    if (nzchar(Sys.getenv("_R_CHECK_LIMIT_CORES_"))) n <- min(n, 2L)
    return(max(1L, as.integer(n)))
  }
  check_count(n_threads, "n_threads", lower = 1, upper = 1024)
}

# A seed for the C++ core. With seed = NULL one is drawn from R's RNG, so set.seed() is honoured.
resolve_seed <- function(seed, arg = "seed") {
  if (is.null(seed)) return(as.numeric(sample.int(.Machine$integer.max, 1L)))
  as.numeric(check_count(seed, arg, lower = 0, upper = .Machine$integer.max))
}

# Converts the user's data to a dense double matrix (rows = points), checking it. Never modifies x.
as_data_matrix <- function(x, arg = "X", min_rows = 2L, allow_sparse = FALSE) {
  if (inherits(x, "dgCMatrix") || inherits(x, "sparseMatrix")) {
    if (!allow_sparse) x <- as.matrix(x)
    else {
      x <- methods::as(x, "CsparseMatrix")
      if (!is.numeric(x@x)) x <- methods::as(x, "dMatrix")
      if (anyNA(x@x) || any(!is.finite(x@x))) {
        nembed_abort(sprintf("`%s` contains NA, NaN or infinite values.", arg), "value", arg)
      }
      check_rows(nrow(x), arg, min_rows)
      if (ncol(x) < 1L) nembed_abort(sprintf("`%s` has no columns.", arg), "size", arg)
      check_magnitude(if (length(x@x)) range(x@x) else 0, arg)
      return(x)
    }
  }
  if (is.data.frame(x)) {
    ok <- vapply(x, function(col) is.numeric(col) || is.logical(col), logical(1))
    if (!all(ok)) {
      bad <- names(x)[!ok]
      nembed_abort(sprintf("`%s` must have only numeric columns; not numeric: %s.", arg,
                           paste(sprintf("`%s`", utils::head(bad, 5)), collapse = ", ")),
                   "type", arg)
    }
    rn <- attr(x, "row.names")
    x <- as.matrix(x)
    storage.mode(x) <- "double"
    if (is.character(rn)) rownames(x) <- rn else rownames(x) <- NULL
  } else if (is.matrix(x) || (is.numeric(x) && is.null(dim(x)))) {
    if (!is.matrix(x)) x <- matrix(x, ncol = 1L)
    if (!(is.numeric(x) || is.logical(x))) {
      nembed_abort(sprintf("`%s` must be a numeric matrix, not a %s matrix.", arg, typeof(x)),
                   "type", arg)
    }
    if (!is.double(x)) storage.mode(x) <- "double"
  } else {
    nembed_abort(sprintf(
      "`%s` must be a numeric matrix, a data frame of numeric columns or a dgCMatrix, not %s.",
      arg, paste(class(x), collapse = "/")), "type", arg)
  }
  if (ncol(x) < 1L) nembed_abort(sprintf("`%s` has no columns.", arg), "size", arg)
  check_rows(nrow(x), arg, min_rows)
  if (anyNA(x)) {
    nembed_abort(sprintf("`%s` contains NA or NaN values (%d of them).", arg, sum(is.na(x))),
                 "value", arg)
  }
  # min() and max() scan without allocating; is.infinite(x) and abs(x) would each copy the data,
  # and so does range() (range.default concatenates its arguments first): 1.9 s of 2 s for the
  # checks of Fashion-MNIST's 70,000 x 784.
  r <- c(min(x), max(x))
  if (any(is.infinite(r))) {
    nembed_abort(sprintf("`%s` contains infinite values.", arg), "value", arg)
  }
  check_magnitude(r, arg)
  x
}

# Squared distances of values beyond 1e150 overflow to Inf (dense and sparse input alike).
check_magnitude <- function(r, arg) {
  if (max(abs(r)) > 1e150) {
    nembed_abort(sprintf("`%s` has values too large to square (max |x| = %g); rescale it.",
                         arg, max(abs(r))), "value", arg)
  }
}

check_rows <- function(n, arg, min_rows) {
  if (n < min_rows) {
    nembed_abort(sprintf("`%s` must have at least %d rows (points); it has %d.", arg,
                         as.integer(min_rows), as.integer(n)), "size", arg)
  }
}

check_labels <- function(labels, n, arg = "labels") {
  if (is.null(labels) || !(is.atomic(labels)) || is.list(labels)) {
    nembed_abort(sprintf("`%s` must be an atomic vector or factor.", arg), "type", arg)
  }
  if (length(labels) != n) {
    nembed_abort(sprintf("`%s` must have one entry per point (%d); it has %d.", arg,
                         as.integer(n), length(labels)), "size", arg)
  }
  if (anyNA(labels)) {
    nembed_abort(sprintf("`%s` contains NA values.", arg), "value", arg)
  }
  as.integer(factor(labels))
}
