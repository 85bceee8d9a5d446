# ggplot2 plots (ggplot2 is in Suggests: methods are registered lazily with
# S3method(ggplot2::autoplot, cls) and every call goes through ggplot2::) and their base-graphics
# counterparts, which work without ggplot2.

utils::globalVariables(c("x", "y", "colour_value"))

require_ggplot2 <- function() {
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    nembed_abort("autoplot() needs the package ggplot2; install it, or use plot() for base graphics.",
                 "dependency", "ggplot2")
  }
  invisible(TRUE)
}

# The colour of each point: NULL, the name of a column of `data`, or one value per point.
resolve_colour <- function(color, data, label) {
  if (is.null(color)) return(list(values = NULL, label = NULL))
  if (is.character(color) && length(color) == 1L && nrow(data) != 1L) {
    if (!color %in% names(data)) {
      nembed_abort(sprintf("`color` = \"%s\" is not a column of the data; give a column name or one value per point (%d).",
                           color, nrow(data)), "value", "color")
    }
    return(list(values = data[[color]], label = color))
  }
  if (!is.atomic(color) || length(color) != nrow(data)) {
    nembed_abort(sprintf("`color` must be a column name or a vector with one value per point (%d); it has length %d.",
                         nrow(data), length(color)), "size", "color")
  }
  list(values = color, label = label)
}

# ggplot2 accepts `colour` as well as `color`; so do nembed's plot methods. `colour` comes after
# `...` in their signatures, so it must be spelled out and `col = ` stays an error, not a guess.
pick_colour <- function(color, colour) {
  if (!is.null(color) && !is.null(colour)) {
    nembed_abort("Give `color` or `colour`, not both (they are the same argument).", "value",
                 "colour")
  }
  if (is.null(color)) colour else color
}

# The legend title of a colour argument: the expression the user wrote.
colour_label <- function(color_expr, colour_expr) {
  if (!is.null(color_expr)) deparse1(color_expr)
  else if (!is.null(colour_expr)) deparse1(colour_expr)
}

# The colour argument of the autoplot() methods in either spelling (`values`) with its legend
# title (`label`, from the expressions the caller substituted); ggplot2 must be installed.
autoplot_colour <- function(color, colour, color_expr, colour_expr) {
  require_ggplot2()
  list(label = colour_label(if (!is.null(color)) color_expr, if (!is.null(colour)) colour_expr),
       values = pick_colour(color, colour))
}

# Few distinct values of a number are categories (cluster ids, time points), not a gradient.
as_colour_scale_values <- function(v) {
  if (is.character(v) || is.logical(v)) return(factor(v))
  v
}

#' Plot an embedding with ggplot2
#'
#' A scatter plot of the first two coordinates of a `nembed_embedding` (1-D embeddings are drawn
#' against 0), coloured by a column of the embedding (e.g. a `colData()` column added by
#' [sce_embedding()]) or by a vector with one value per point. Numbers give a continuous colour
#' scale; use `factor()` for discrete colours. The coordinates have equal scales, as distances
#' in an embedding mean the same in every direction.
#'
#' @param object A `nembed_embedding`.
#' @param color,colour `NULL`, the name of a column of `object`, or a vector with one value per
#'   point (either spelling, as in ggplot2).
#' @param size,alpha Point size and opacity.
#' @param ... Must be empty: an unknown argument is an error (a misspelled one would otherwise
#'   vanish).
#' @return A `ggplot` object.
#' @exportS3Method ggplot2::autoplot
#' @examples
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   X <- as.matrix(iris[, 1:4])
#'   emb <- embed_pca(X)
#'   ggplot2::autoplot(emb, color = iris$Species)
#' }
autoplot.nembed_embedding <- function(object, color = NULL, size = 0.8, alpha = 1, ...,
                                      colour = NULL) {
  reject_dots("autoplot", ...)
  colour_arg <- autoplot_colour(color, colour, substitute(color), substitute(colour))
  m <- as.matrix(object)
  df <- data.frame(x = m[, 1], y = if (ncol(m) > 1) m[, 2] else 0)
  col <- resolve_colour(colour_arg$values, object, colour_arg$label)
  rec <- attr(object, "nembed_record")
  title <- if (!is.null(rec$method)) toupper(rec$method) else NULL
  scatter_plot(df, col, size, alpha, title,
               axis_names = c(colnames(m)[1], if (ncol(m) > 1) colnames(m)[2] else ""))
}

scatter_plot <- function(df, col, size, alpha, title, axis_names, facet = NULL) {
  if (is.null(col$values)) {
    p <- ggplot2::ggplot(df, ggplot2::aes(x = x, y = y)) +
      ggplot2::geom_point(size = size, alpha = alpha, stroke = 0)
  } else {
    df$colour_value <- as_colour_scale_values(col$values)
    p <- ggplot2::ggplot(df, ggplot2::aes(x = x, y = y, colour = colour_value)) +
      ggplot2::geom_point(size = size, alpha = alpha, stroke = 0) +
      ggplot2::labs(colour = col$label)
    if (is.factor(df$colour_value) && nlevels(df$colour_value) <= 30) {
      p <- p + ggplot2::guides(colour = ggplot2::guide_legend(override.aes = list(size = 3)))
    }
  }
  if (!is.null(facet)) {
    p <- p + ggplot2::facet_wrap(facet, scales = "free",
                                 labeller = ggplot2::label_both)
  } else {
    p <- p + ggplot2::coord_equal()
  }
  p + ggplot2::labs(x = axis_names[1], y = axis_names[2], title = title) +
    ggplot2::theme_minimal()
}

#' Plot a spectrum of embeddings
#'
#' `embed_spectrum()` returns the runs along an attraction-repulsion (or contrastive) spectrum
#' as one long data frame of class `nembed_spectrum` with columns `x`, `y`, `id` (the point) and
#' one column holding the parameter that varies (`exaggeration`, `s`, or the column named by the
#' attribute `"parameter"`). `autoplot()` draws one panel per value of that parameter
#' (`facet_wrap()`, free scales, since embeddings at high exaggeration are much smaller);
#' `plot()` does the same with base graphics.
#'
#' @param object,x A `nembed_spectrum` data frame.
#' @param color,colour `NULL`, the name of a column, or a vector with one value per point of
#'   *one* run (recycled over the panels, matched by `id`) or per row (either spelling).
#' @param size,alpha Point size and opacity.
#' @param cex,pch Point size and symbol for base graphics.
#' @param ... Must be empty for `autoplot()` (an unknown argument is an error); passed to
#'   [graphics::plot()] by `plot()`.
#' @return `autoplot()`: a `ggplot` object; `plot()`: `x`, invisibly.
#' @exportS3Method ggplot2::autoplot
#' @examples
#' # A spectrum data frame built by hand (embed_spectrum() makes these):
#' runs <- lapply(c(1, 4), function(rho) {
#'   data.frame(x = iris$Sepal.Length / rho, y = iris$Sepal.Width / rho,
#'              id = seq_len(150), exaggeration = rho)
#' })
#' sp <- structure(do.call(rbind, runs), class = c("nembed_spectrum", "data.frame"))
#' plot(sp, color = iris$Species)
#' if (requireNamespace("ggplot2", quietly = TRUE)) {
#'   ggplot2::autoplot(sp, color = iris$Species)
#' }
autoplot.nembed_spectrum <- function(object, color = NULL, size = 0.5, alpha = 1, ...,
                                     colour = NULL) {
  reject_dots("autoplot", ...)
  colour_arg <- autoplot_colour(color, colour, substitute(color), substitute(colour))
  param <- spectrum_parameter(object)
  df <- as.data.frame(unclass(object))[, c("x", "y", "id", param)]
  col <- resolve_colour(spectrum_colour(colour_arg$values, object), object, colour_arg$label)
  scatter_plot(df, col, size, alpha, title = NULL, axis_names = c("", ""), facet = param)
}

#' @rdname autoplot.nembed_spectrum
#' @method plot nembed_spectrum
#' @export
plot.nembed_spectrum <- function(x, color = NULL, cex = 0.3, pch = 16, ..., colour = NULL) {
  color <- pick_colour(color, colour)
  param <- spectrum_parameter(x)
  col <- resolve_colour(spectrum_colour(color, x), x, NULL)$values
  values <- unique(x[[param]])
  cols <- rep("black", nrow(x))
  if (!is.null(col)) {
    f <- factor(col)
    cols <- grDevices::hcl.colors(max(2, nlevels(f)), "Dark 3")[as.integer(f)]
  }
  nr <- floor(sqrt(length(values)))
  old <- graphics::par(mfrow = c(nr, ceiling(length(values) / nr)), mar = c(1, 1, 2, 1))
  on.exit(graphics::par(old))
  for (v in values) {
    rows <- x[[param]] == v
    graphics::plot(x$x[rows], x$y[rows], col = cols[rows], pch = pch, cex = cex, asp = 1,
                   axes = FALSE, xlab = "", ylab = "", main = paste(param, "=", format(v)), ...)
    graphics::box(col = "grey80")
  }
  invisible(x)
}

spectrum_parameter <- function(x) {
  param <- attr(x, "parameter")
  if (is.null(param)) {
    known <- intersect(c("exaggeration", "s", "parameter", "method"), names(x))
    param <- if (length(known)) known[1] else NULL
  }
  missing_cols <- setdiff(c("x", "y", "id"), names(x))
  if (is.null(param) || !param %in% names(x) || length(missing_cols)) {
    nembed_abort("A nembed_spectrum needs columns `x`, `y`, `id` and one parameter column (`exaggeration`, `s`, or the one named by attribute \"parameter\").",
                 "type", "object")
  }
  param
}

# A colour vector given for one run's points is spread over every panel by point id.
spectrum_colour <- function(color, x) {
  if (is.null(color) || (is.character(color) && length(color) == 1L)) return(color)
  ids <- x$id
  if (length(color) != nrow(x) && length(color) == length(unique(ids))) {
    return(color[match(ids, unique(ids))])
  }
  color
}
