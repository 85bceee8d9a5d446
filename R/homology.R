#' Vietoris-Rips persistent homology of a distance matrix
#'
#' Computes the persistence diagram of the Vietoris-Rips filtration of a distance matrix with
#' Ripser (coefficients in Z/2), up to dimension `max_dim`: dimension 0 for connected components,
#' 1 for loops, 2 for voids. Pair it with [spectral_distances()] to find loops in noisy
#' high-dimensional data, and score the diagram with [detection_score()].
#'
#' **Engines.** Two builds of Ripser can do the work; both compute the same diagram.
#' * `"ripser"`: the Ripser command-line program (Debian/Ubuntu package `ripser`, or built from
#'   <https://github.com/Ripser/ripser>). The distances go to it through a temporary binary file
#'   (DIPHA format, doubles) and its printed intervals are read back. It is about 2-3 times
#'   faster than ripserr (1,000 points, H1 on effective-resistance distances: about 3.7 instead
#'   of 9-10 CPU seconds). The program is looked up in `getOption("nembed.ripser")`, then the
#'   environment variable `NEMBED_RIPSER`, then `Sys.which("ripser")`. An interrupt (Ctrl-C)
#'   stops the program and is passed on to R.
#' * `"ripserr"`: Ripser compiled into the ripserr package.
#' * `"auto"` (default): the program when it is found, otherwise ripserr.
#'
#' *Precision.* Both engines compute in single precision (C `float`, about 7 significant
#' digits), so births and deaths match the input distances to about 1e-7 relative. The program
#' also prints them with 6 significant digits, so the `"ripser"` engine's values are rounded to
#' 6 significant digits (relative error up to 5e-6). The distances are divided by a power of 10
#' that brings the largest to \[1, 10) before they are handed over (and the results multiplied
#' back), so their scale does not matter. Distances that differ by less than the float resolution become ties, which can only
#' create or remove features of (near) zero lifetime, none of which are reported.
#'
#' @param d A `dist` object or a symmetric numeric distance matrix (not a point cloud: for points,
#'   pass `dist(X)` or a [spectral_distances()] result).
#' @param max_dim Highest homology dimension (0, 1 or 2; 2 is expensive beyond a few hundred
#'   points).
#' @param threshold Largest filtration value (diameter) to build the complex up to; `Inf` for the
#'   full filtration. Features alive at the threshold get death `Inf`.
#' @param engine `"auto"`, `"ripser"` (the Ripser program) or `"ripserr"` (the ripserr
#'   package); see Details.
#' @return A data frame of class `nembed_persistence` with one row per feature: `dimension`
#'   (integer), `birth` and `death` (the connected component that never dies has death `Inf`),
#'   sorted by dimension and decreasing lifetime, with attribute `"engine"` (`"ripser"` or
#'   `"ripserr"`, the engine that ran). Features of zero lifetime are not listed.
#'   It has [plot()][plot.nembed_persistence] and `autoplot()` methods.
#' @seealso [detection_score()], [spectral_distances()].
#' @section Valid ranges: `r range_section("persistent_homology")`
#' @export
#' @examples
#' \donttest{
#' if (nzchar(Sys.which("ripser")) || requireNamespace("ripserr", quietly = TRUE)) {
#'   X <- noisy_circle(n = 100, dim = 10, sigma = 0.05, seed = 1)
#'   ph <- persistent_homology(dist(X))
#'   attr(ph, "engine")
#'   head(ph[ph$dimension == 1, ])
#'   detection_score(ph)
#' }
#' }
persistent_homology <- function(d, max_dim = 1, threshold = Inf,
                                engine = c("auto", "ripser", "ripserr")) {
  max_dim <- check_count(max_dim, "max_dim", lower = 0, upper = 2)
  if (!is.numeric(threshold) || length(threshold) != 1L || is.na(threshold) || threshold <= 0) {
    nembed_abort("`threshold` must be a single positive number or Inf.", "value", "threshold")
  }
  engine <- check_choice(engine, c("auto", "ripser", "ripserr"), "engine")
  d <- as_distance_object(d, "d")
  # A threshold at or above the largest distance cuts nothing: the diagram is that of Inf (and
  # Ripser, which reads it as a float, fails on values beyond 3.4e38).
  if (is.finite(threshold) && length(d) && threshold >= max(d)) threshold <- Inf
  program <- if (engine != "ripserr") ripser_program() else ""
  has_ripserr <- engine != "ripser" && requireNamespace("ripserr", quietly = TRUE)
  if (engine == "auto") {
    if (!nzchar(program) && !has_ripserr) {
      nembed_abort(paste0(
        "`persistent_homology()` needs the Ripser program (Debian package `ripser`; or set ",
        "options(nembed.ripser = \"/path/to/ripser\")) or the ripserr package: ",
        "install.packages(\"ripserr\")."), "dependency", "engine")
    }
    engine <- if (nzchar(program)) "ripser" else "ripserr"
  } else if (engine == "ripser" && !nzchar(program)) {
    nembed_abort(paste0(
      "engine = \"ripser\" needs the Ripser command-line program, which was not found",
      ripser_program_hint(), ". Install it (Debian package `ripser`) or use engine = \"ripserr\"."),
      "dependency", "engine")
  } else if (engine == "ripserr" && !has_ripserr) {
    nembed_abort("engine = \"ripserr\" needs the ripserr package: install.packages(\"ripserr\").",
                 "dependency", "engine")
  }
  if (attr(d, "Size") == 2L) {
    # One edge (ripserr refuses fewer than 3 points): the diagram is known.
    ph <- data.frame(dimension = 0L, birth = 0,
                     death = c(Inf, if (d[1] > 0) if (d[1] <= threshold) d[1] else Inf))
  } else if (engine == "ripser") {
    ph <- ripser_program_diagram(d, max_dim, threshold, program)
  } else {
    # ripserr treats a plain matrix as a point cloud, so it always gets a `dist`.
    ph <- ripserr::vietoris_rips(d, max_dim = max_dim,
                                 threshold = if (is.finite(threshold)) threshold else -1)
  }
  out <- new_persistence(ph$dimension, ph$birth, ph$death)
  attr(out, "engine") <- engine
  out
}

# Path of the Ripser program ("" when absent): the option nembed.ripser, the environment variable
# NEMBED_RIPSER, then the search path. A configured path that is not an executable counts as absent.
ripser_program <- function() {
  path <- getOption("nembed.ripser", Sys.getenv("NEMBED_RIPSER", ""))
  if (!is.character(path) || length(path) != 1L || is.na(path)) path <- ""
  if (!nzchar(path)) path <- unname(Sys.which("ripser"))
  if (nzchar(path) && file.exists(path) && !dir.exists(path) && file.access(path, 1L) == 0L) path
  else ""
}

ripser_program_hint <- function() {
  path <- getOption("nembed.ripser", Sys.getenv("NEMBED_RIPSER", ""))
  if (is.character(path) && length(path) == 1L && !is.na(path) && nzchar(path)) {
    sprintf(" (nembed.ripser / NEMBED_RIPSER is \"%s\", not an executable file)", path)
  } else " on the search path"
}

# Runs the Ripser program on `d` (a validated `dist`) and returns a data frame of intervals.
ripser_program_diagram <- function(d, max_dim, threshold, program) {
  v <- as.numeric(d)
  n <- attr(d, "Size")
  # Ripser works in float: a power of 10 brings the largest distance to [1, 10), so no scale
  # overflows or underflows, and the printed decimal digits stay those of the distances.
  scale <- if (max(v) > 0) 10^floor(log10(max(v))) else 1
  input <- tempfile("nembed-ripser-", fileext = ".dipha")
  output <- tempfile("nembed-ripser-", fileext = ".out")
  errors <- tempfile("nembed-ripser-", fileext = ".err")
  on.exit(unlink(c(input, output, errors)), add = TRUE)
  write_dipha_distances(v / scale, n, input)
  # Ripser 1.2.1 (Debian's) fails an assertion with --dim 0: compute H1 too and drop it.
  dim_run <- max(max_dim, 1L)
  args <- c("--format", "dipha", "--dim", dim_run,
            if (is.finite(threshold)) c("--threshold", sprintf("%.17g", threshold / scale)),
            shQuote(input))
  # A timeout makes R run the program in its own process group and pass an interrupt on to it.
  status <- suppressWarnings(system2(program, args, stdout = output, stderr = errors,
                                     timeout = 1e8))
  if (status %in% c(2L, 130L)) {  # killed by SIGINT: the user interrupted
    resignal_interrupt()
  }
  lines <- if (file.exists(output)) readLines(output, warn = FALSE) else character(0)
  if (status != 0L) {
    err <- if (file.exists(errors)) readLines(errors, warn = FALSE) else character(0)
    nembed_abort(sprintf("The Ripser program (%s) failed with status %d%s", program, status,
                         if (length(err)) paste0(": ", paste(utils::tail(err, 3), collapse = " "))
                         else "."), "dependency", "engine")
  }
  ph <- parse_ripser_output(lines, min(dim_run, n - 2L))
  if (is.null(ph)) {
    nembed_abort(sprintf("Could not read the output of the Ripser program (%s).", program),
                 "dependency", "engine")
  }
  ph <- ph[ph$dimension <= max_dim, , drop = FALSE]
  ph$birth <- ph$birth * scale
  ph$death <- ph$death * scale
  ph
}

# Writes the distance vector of a `dist` (column-major lower triangle) as a DIPHA distance matrix:
# int64 magic number 8067171840, int64 type 7, int64 n, then n x n doubles by rows. Ripser reads
# only the entries below the diagonal, so the rest is written as 0; one row at a time.
write_dipha_distances <- function(v, n, path) {
  con <- file(path, "wb")
  on.exit(close(con))
  # The int64 header as little-endian 32-bit halves; 8067171840 = 2^32 + 3772204544.
  writeBin(c(-522762752L, 1L, 7L, 0L, as.integer(n), 0L), con, size = 4L, endian = "little")
  j <- seq_len(n)
  col_start <- (j - 1) * n - (j - 1) * j / 2 - j  # v index of entry (i, j), i > j: col_start[j] + i
  for (i in j) {
    below <- seq_len(i - 1L)
    writeBin(c(v[col_start[below] + i], numeric(n - i + 1L)), con, size = 8L, endian = "little")
  }
}

# Reads Ripser's printed diagram: "persistence intervals in dim k:" headers, each followed by
# " [birth,death)" lines, " [birth, )" for a feature that never dies. NULL if the output is not
# complete up to dimension `last_dim`.
parse_ripser_output <- function(lines, last_dim) {
  header <- grepl("^persistence intervals in dim [0-9]+:", lines)
  dims <- as.integer(sub("^persistence intervals in dim ([0-9]+):.*$", "\\1", lines[header]))
  if (!identical(dims, seq.int(0L, last_dim))) return(NULL)
  interval <- grepl("^ \\[[^,]*,[^)]*\\)", lines)
  dimension <- c(NA_integer_, dims)[cumsum(header)[interval] + 1L]
  birth <- suppressWarnings(as.numeric(sub("^ \\[([^,]*),.*$", "\\1", lines[interval])))
  death_text <- trimws(sub("^ \\[[^,]*,([^)]*)\\).*$", "\\1", lines[interval]))
  death <- suppressWarnings(ifelse(nzchar(death_text), as.numeric(death_text), Inf))
  if (anyNA(dimension) || anyNA(birth) || anyNA(death)) return(NULL)
  data.frame(dimension = dimension, birth = birth, death = death)
}

# system2() with a timeout kills the child on Ctrl-C but swallows the interrupt; raise it again.
resignal_interrupt <- function() {
  tools::pskill(Sys.getpid(), tools::SIGINT)
  Sys.sleep(0.5)  # the interrupt is handled here
  nembed_abort("The Ripser program was interrupted.", "dependency", "engine")
}

new_persistence <- function(dimension, birth, death) {
  out <- data.frame(dimension = as.integer(dimension), birth = as.numeric(birth),
                    death = as.numeric(death))
  o <- order(out$dimension, -(out$death - out$birth), out$birth)
  out <- out[o, , drop = FALSE]
  rownames(out) <- NULL
  class(out) <- c("nembed_persistence", "data.frame")
  out
}

# A validated `dist` from a dist object or a square symmetric matrix.
as_distance_object <- function(d, arg) {
  if (inherits(d, "dist")) {
    n <- attr(d, "Size")
    v <- as.numeric(d)
    if (is.null(n) || length(v) != n * (n - 1) / 2) {
      nembed_abort(sprintf("`%s` is a malformed `dist` object.", arg), "type", arg)
    }
  } else if (is.matrix(d) && (is.numeric(d) || is.logical(d))) {
    if (nrow(d) != ncol(d)) {
      nembed_abort(sprintf("`%s` must be a square distance matrix (or a `dist`); it is %d x %d. For a point cloud use dist(X).",
                           arg, nrow(d), ncol(d)), "size", arg)
    }
    if (anyNA(d)) nembed_abort(sprintf("`%s` contains NA values.", arg), "value", arg)
    if (!isSymmetric(unname(d) + 0, tol = 1e-10 * max(1, max(abs(d))))) {
      nembed_abort(sprintf("`%s` must be a symmetric distance matrix.", arg), "value", arg)
    }
    n <- nrow(d)
    d <- stats::as.dist(d)
    v <- as.numeric(d)
  } else {
    nembed_abort(sprintf("`%s` must be a `dist` object or a square distance matrix, not %s.", arg,
                         paste(class(d), collapse = "/")), "type", arg)
  }
  if (n < 2L) nembed_abort(sprintf("`%s` must have at least 2 points.", arg), "size", arg)
  if (anyNA(v)) nembed_abort(sprintf("`%s` contains NA values.", arg), "value", arg)
  if (any(!is.finite(v))) nembed_abort(sprintf("`%s` contains infinite values.", arg), "value", arg)
  if (any(v < 0)) nembed_abort(sprintf("`%s` contains negative distances.", arg), "value", arg)
  d
}

#' Hole detection score of a persistence diagram
#'
#' The score of Damrich, Berens & Kobak (2024) for a diagram that should contain `n_features`
#' holes of dimension `dim`: with lifetimes p_1 >= p_2 >= ... (death - birth) of the features in
#' that dimension, the score is `(p_m - p_(m+1)) / p_m` for m = `n_features`: near 1 when exactly
#' m features stand out, near 0 when the m-th is no more persistent than the next. Before scoring,
#' the diagram is emptied unless at least one feature has death / birth > 1.25, so noise-only
#' diagrams score 0. A diagram with exactly m features scores 1, one with fewer scores 0; for
#' m = 0 the score is 1 - (score for m = 1). Features with infinite death are ignored.
#'
#' @param ph A `nembed_persistence` from [persistent_homology()], or any data frame with columns
#'   `dimension`, `birth` and `death` (such as ripserr's `PHom`).
#' @param n_features Number of ground-truth features m (0 or more).
#' @param dim Homology dimension to score (1 = loops).
#' @return A number in \[0, 1\].
#' @references Damrich, S., Berens, P. & Kobak, D. (2024). Persistent homology for
#'   high-dimensional data based on spectral methods. NeurIPS 2024 (code: berenslab/eff-ph,
#'   `outlier_score` after `filter_dgms(dob = 1.25, binary = TRUE)`).
#' @section Valid ranges: `r range_section("detection_score")`
#' @export
#' @examples
#' ph <- data.frame(dimension = 1L, birth = c(0.2, 0.3, 0.25), death = c(1.2, 0.4, 0.3))
#' detection_score(ph)                   # (1 - 0.1) / 1 = 0.9
#' detection_score(ph, n_features = 2)   # (0.1 - 0.05) / 0.1 = 0.5
detection_score <- function(ph, n_features = 1, dim = 1) {
  validate_persistence(ph, "ph")
  n_features <- check_count(n_features, "n_features", lower = 0)
  dim <- check_count(dim, "dim", lower = 0)
  sel <- ph$dimension == dim & is.finite(ph$death)
  birth <- as.numeric(ph$birth[sel])
  death <- as.numeric(ph$death[sel])
  # The paper's binary death/birth filter (its 1e-10 keeps features born at 0 finite).
  if (!any(death / (birth + 1e-10) > 1.25)) {
    birth <- numeric(0)
    death <- numeric(0)
  }
  life_score(death - birth, n_features)
}

life_score <- function(life, m) {
  if (m == 0L) return(1 - life_score(life, 1L))
  if (length(life) == m) return(1)
  if (length(life) < m) return(0)
  p <- sort(life, decreasing = TRUE)
  (p[m] - p[m + 1L]) / p[m]
}

#' Plot a persistence diagram
#'
#' Birth against death, one colour and symbol per homology dimension, with the diagonal; features
#' that never die are drawn on a dashed line above the others.
#'
#' @param x A `nembed_persistence` object.
#' @param dims Dimensions to show (default all).
#' @param ... Passed to [graphics::plot()] by `plot()`; must be empty for `autoplot()`.
#' @return `x`, invisibly.
#' @method plot nembed_persistence
#' @export
#' @examples
#' ph <- as_persistence(data.frame(dimension = c(0, 0, 0, 1, 1, 1),
#'                                  birth = c(0, 0, 0, 0.3, 0.5, 0.6),
#'                                  death = c(0.2, 0.4, Inf, 1.6, 0.7, 0.65)))
#' plot(ph)
plot.nembed_persistence <- function(x, dims = NULL, ...) {
  validate_persistence(x, "x")
  df <- as.data.frame(unclass(x), stringsAsFactors = FALSE)
  if (!is.null(dims)) df <- df[df$dimension %in% dims, , drop = FALSE]
  fin <- is.finite(df$death)
  top <- if (any(fin)) max(df$death[fin], df$birth) else max(1, df$birth)
  inf_y <- top * 1.08
  y <- ifelse(fin, df$death, inf_y)
  lim <- c(min(0, df$birth), inf_y * 1.02)
  dims_present <- sort(unique(df$dimension))
  cols <- grDevices::hcl.colors(max(3L, length(dims_present)), "Dark 3")[seq_along(dims_present)]
  ci <- match(df$dimension, dims_present)
  graphics::plot(df$birth, y, xlim = lim, ylim = lim, col = cols[ci], pch = c(16, 17, 15)[(ci - 1) %% 3 + 1],
                 xlab = "birth", ylab = "death", ...)
  graphics::abline(0, 1, col = "grey50")
  if (any(!fin)) graphics::abline(h = inf_y, lty = 2, col = "grey50")
  if (length(dims_present)) {
    graphics::legend("bottomright", legend = paste0("H", dims_present), col = cols,
                     pch = c(16, 17, 15)[(seq_along(dims_present) - 1) %% 3 + 1], bty = "n")
  }
  invisible(x)
}

#' @rdname plot.nembed_persistence
#' @param object A `nembed_persistence` object.
#' @return `autoplot()`: a ggplot.
#' @exportS3Method ggplot2::autoplot
autoplot.nembed_persistence <- function(object, dims = NULL, ...) {
  reject_dots("autoplot", ...)
  validate_persistence(object, "object")
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    nembed_abort("autoplot() needs the ggplot2 package: install.packages(\"ggplot2\").",
                 "dependency", "object")
  }
  df <- as.data.frame(unclass(object), stringsAsFactors = FALSE)
  if (!is.null(dims)) df <- df[df$dimension %in% dims, , drop = FALSE]
  fin <- is.finite(df$death)
  top <- if (any(fin)) max(df$death[fin], df$birth) else max(1, df$birth)
  df$infinite <- !fin
  df$death[!fin] <- top * 1.08
  df$dimension <- factor(sprintf("H%d", as.integer(df$dimension)))  # paste0() of none gives "H"
  .data <- ggplot2::.data
  ggplot2::ggplot(df, ggplot2::aes(x = .data$birth, y = .data$death, colour = .data$dimension,
                                   shape = .data$dimension)) +
    ggplot2::geom_abline(slope = 1, intercept = 0, colour = "grey50") +
    {if (any(!fin)) ggplot2::geom_hline(yintercept = top * 1.08, linetype = 2, colour = "grey50")} +
    ggplot2::geom_point() +
    ggplot2::coord_equal(xlim = c(min(0, df$birth), top * 1.1), ylim = c(min(0, df$birth), top * 1.1)) +
    ggplot2::labs(x = "birth", y = "death", colour = NULL, shape = NULL) +
    ggplot2::theme_bw()
}

#' Persistence diagram from a data frame
#'
#' Turns a data frame with columns `dimension`, `birth` and `death` (for example ripserr's
#' `PHom`, or Ripser output read from a file) into a `nembed_persistence` object.
#'
#' @param x A data frame with columns `dimension`, `birth` and `death`.
#' @return A `nembed_persistence` data frame, sorted by dimension and decreasing lifetime.
#' @export
#' @examples
#' as_persistence(data.frame(dimension = 1, birth = c(0.2, 0.5), death = c(1, 0.6)))
as_persistence <- function(x) {
  if (!is.data.frame(x) || !all(c("dimension", "birth", "death") %in% names(x))) {
    nembed_abort("`x` must be a data frame with columns `dimension`, `birth` and `death`.",
                 "type", "x")
  }
  validate_persistence(x, "x")
  new_persistence(x$dimension, x$birth, x$death)
}
