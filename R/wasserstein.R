# Wasserstein t-SNE (Bachmann, Hennig & Kobak 2022): distances between units (groups of samples)
# and a t-SNE of the units on them.

#' Wasserstein distances between groups of samples
#'
#' Treats each *unit* (the samples sharing a value of `groups`) as a distribution and computes the
#' 2-Wasserstein distance between every pair of units, as in Wasserstein t-SNE (Bachmann, Hennig
#' & Kobak 2022).
#'
#' `method = "gaussian"` summarises each unit by its mean \eqn{m} and unbiased covariance
#' \eqn{S} (divided by \eqn{N - 1}) and uses the closed form for Gaussians,
#' \deqn{W_2^2 = \|m_1 - m_2\|^2 + \mathrm{tr}(S_1 + S_2 - 2 (S_2^{1/2} S_1 S_2^{1/2})^{1/2}).}
#' `lambda` mixes the two parts exactly as the paper's code does:
#' \deqn{D_\lambda = \sqrt{2 - 4(\lambda - 1/2)^2}\,\sqrt{(1 - \lambda)\|m_1 - m_2\|^2 +
#'   \lambda\,\mathrm{tr}(\ldots)},}
#' so `lambda = 0` gives the distance between the means, `lambda = 0.5` the plain Gaussian
#' \eqn{W_2}, and `lambda = 1` the covariance (Bures) part alone. The prefactor keeps the three
#' reference cases on their natural scale; it makes \eqn{D_\lambda} non-monotone in `lambda`,
#' which matters to t-SNE only through the perplexity calibration. Matrix square roots come from
#' symmetric eigendecompositions with negative (round-off) eigenvalues clipped to zero; each
#' unit's square root is computed once, and the pairs run in parallel (the result does not depend
#' on `n_threads`). A unit with a single sample gets a zero covariance (a point mass), and a unit
#' with fewer samples than dimensions plus one has a singular covariance; both are handled by the
#' clipping and never give `NaN`, but the covariance part of nearly singular pairs is accurate only
#' to about \eqn{10^{-8}} relative to the covariance scale.
#'
#' `method = "exact"` computes \eqn{W_2} between the units' empirical distributions by optimal
#' transport with the network simplex solver of the \pkg{transport} package (in Suggests):
#' duplicate samples within a unit are merged into one support point whose weight is their share,
#' and the cost is the squared Euclidean distance. `lambda` has no meaning for the exact distance
#' and must be left at 0.5. Each pair is a linear programme whose time grows roughly with the
#' cube of the number of samples per unit, so keep units small (a few hundred samples at most).
#'
#' @param X Samples: a numeric matrix or data frame of numeric columns (rows = samples).
#' @param groups A vector or factor with one entry per row of `X` saying which unit the sample
#'   belongs to. Units are ordered as the levels of `factor(groups)` (unused factor levels are
#'   dropped); at least two units are needed.
#' @param method `"gaussian"` (closed form between the units' Gaussian approximations) or
#'   `"exact"` (optimal transport between the samples).
#' @param lambda Number in \[0, 1\] balancing the mean part (0) against the covariance part (1);
#'   0.5 is the plain 2-Wasserstein distance. Only `"gaussian"` uses it.
#' @param n_threads Number of threads (see [default_threads()]); the exact method runs on one.
#' @param verbose Report progress.
#' @return A `dist` object over the units, labelled with the unit names, with attributes
#'   `unit_size` (samples per unit), `lambda` and `method` (`"wasserstein_gaussian"` or
#'   `"wasserstein_exact"`).
#' @references Bachmann F, Hennig P, Kobak D (2022). Wasserstein t-SNE. ECML-PKDD 2022.
#' @seealso [embed_wasserstein()], [hierarchical_gaussian_mixture()]
#' @section Valid ranges: `r range_section("wasserstein_distances")`
#' @export
#' @examples
#' d <- wasserstein_distances(iris[, 1:4], iris$Species, n_threads = 1)
#' d
#' # means only, and covariances only
#' wasserstein_distances(iris[, 1:4], iris$Species, lambda = 0, n_threads = 1)
#' wasserstein_distances(iris[, 1:4], iris$Species, lambda = 1, n_threads = 1)
wasserstein_distances <- function(X, groups, method = c("gaussian", "exact"), lambda = 0.5,
                                  n_threads = NULL, verbose = FALSE) {
  method <- check_choice(method, c("gaussian", "exact"), "method")
  lambda <- check_number(lambda, "lambda", lower = 0, upper = 1)
  verbose <- check_flag(verbose, "verbose")
  n_threads <- default_threads(n_threads)
  Xm <- as_data_matrix(X, "X", min_rows = 2L)
  units <- unit_index(groups, nrow(Xm))
  if (method == "exact") {
    if (lambda != 0.5) {
      nembed_abort(paste0(
        "`lambda` applies only to method = \"gaussian\"; the exact Wasserstein distance has no ",
        "mean/covariance split. Leave `lambda` at 0.5 with method = \"exact\"."), "value", "lambda")
    }
    if (!requireNamespace("transport", quietly = TRUE)) {
      nembed_abort("method = \"exact\" needs the 'transport' package: install.packages(\"transport\").",
                   "dependency", "method")
    }
    tsmessage("Exact Wasserstein distances between ", length(units$names), " units",
              verbose = verbose)
    d <- exact_wasserstein_packed(Xm, units$index, length(units$names), verbose)
  } else {
    tsmessage("Gaussian Wasserstein distances between ", length(units$names), " units",
              verbose = verbose)
    d <- core_call(wasserstein_gaussian_cpp(Xm, units$index, list(
      n_units = length(units$names), lambda = lambda, n_threads = n_threads, verbose = verbose)))$dist
  }
  new_unit_dist(d, units$names, units$size, lambda, paste0("wasserstein_", method))
}

new_unit_dist <- function(d, labels, size, lambda, method) {
  structure(d, Size = length(labels), Labels = labels, Diag = FALSE, Upper = FALSE,
            method = method, unit_size = stats::setNames(as.integer(size), labels),
            lambda = lambda, class = "dist")
}

# Validates `groups` and returns the 1-based unit of every sample, the unit names and sizes.
unit_index <- function(groups, n, arg = "groups") {
  if (is.null(groups) || !is.atomic(groups) || is.list(groups) || !is.null(dim(groups))) {
    nembed_abort(sprintf("`%s` must be a vector or factor with one entry per sample.", arg),
                 "type", arg)
  }
  if (length(groups) != n) {
    nembed_abort(sprintf("`%s` must have one entry per row of `X` (%d); it has %d.", arg,
                         as.integer(n), length(groups)), "size", arg)
  }
  if (anyNA(groups)) {
    nembed_abort(sprintf("`%s` contains NA values (%d of them).", arg, sum(is.na(groups))),
                 "value", arg)
  }
  f <- if (is.factor(groups)) droplevels(groups) else factor(groups)
  if (nlevels(f) < 2L) {
    nembed_abort(sprintf("`%s` must define at least 2 units; it has %d.", arg, nlevels(f)),
                 "size", arg)
  }
  idx <- as.integer(f)
  list(index = idx, names = levels(f), size = tabulate(idx, nlevels(f)))
}

# Gaussian distances from given moments: `means` is U x F, `covs` a list of U F x F matrices or
# an F x F x U array. Used by the tests to feed exact moments.
gaussian_wasserstein_moments <- function(means, covs, lambda = 0.5, n_threads = 1L) {
  means <- as.matrix(means)
  if (is.list(covs)) covs <- simplify2array(lapply(covs, as.matrix), higher = TRUE)
  covs <- array(as.numeric(covs), c(ncol(means), ncol(means), nrow(means)))
  d <- core_call(wasserstein_gaussian_moments_cpp(means, covs, list(lambda = lambda,
                                                                n_threads = n_threads)))
  labels <- rownames(means) %||% as.character(seq_len(nrow(means)))
  new_unit_dist(d, labels, rep(NA_integer_, nrow(means)), lambda, "wasserstein_gaussian")
}

# Each unit's distinct samples (support points) and their weights (multiplicity / unit size).
# Rows are compared exactly after a lexicographic sort, so only truly identical samples merge.
unit_supports <- function(Xm, index, n_units) {
  rows <- split(seq_len(nrow(Xm)), factor(index, levels = seq_len(n_units)))
  lapply(rows, function(r) {
    P <- Xm[r, , drop = FALSE]
    if (nrow(P) > 1L) {
      P <- P[do.call(order, unname(as.data.frame(P))), , drop = FALSE]
      same <- c(FALSE, rowSums(P[-1L, , drop = FALSE] != P[-nrow(P), , drop = FALSE]) == 0)
      run <- cumsum(!same)
      w <- tabulate(run) / nrow(P)
      P <- P[!same, , drop = FALSE]
    } else {
      w <- 1
    }
    list(points = P, weights = w, sq_norm = rowSums(P^2))
  })
}

# Packed (dist layout) exact W2 between units: one transport problem per pair. Runs in R because
# the solver is R's transport package; R's own interrupt checks apply between pairs.
exact_wasserstein_packed <- function(Xm, index, n_units, verbose = FALSE) {
  sup <- unit_supports(Xm, index, n_units)
  out <- numeric(n_units * (n_units - 1) / 2)
  k <- 0L
  report_every <- max(1L, length(out) %/% 10L)
  for (j in seq_len(n_units - 1L)) {
    b <- sup[[j]]
    for (i in (j + 1L):n_units) {
      a <- sup[[i]]
      k <- k + 1L
      out[k] <- sqrt(exact_w2_sq(a, b))
      if (verbose && k %% report_every == 0L) {
        tsmessage(sprintf("exact Wasserstein: %d of %d pairs", k, length(out)), verbose = TRUE)
      }
    }
  }
  out
}

exact_w2_sq <- function(a, b) {
  C <- outer(a$sq_norm, b$sq_norm, "+") - 2 * tcrossprod(a$points, b$points)
  C[C < 0] <- 0
  # With one support point on either side the only transport plan is the product measure.
  if (length(a$weights) == 1L) return(sum(b$weights * C[1L, ]))
  if (length(b$weights) == 1L) return(sum(a$weights * C[, 1L]))
  plan <- transport::transport(a$weights, b$weights, costm = C, method = "networkflow")
  sum(plan$mass * C[cbind(plan$from, plan$to)])
}

#' Wasserstein t-SNE: a t-SNE of groups of samples
#'
#' Embeds the *units* (groups of samples) in two dimensions by running [embed_tsne()] on their
#' Wasserstein distances ([wasserstein_distances()]), as in Bachmann, Hennig & Kobak (2022).
#'
#' The perplexity is capped at `(n_units - 1) / 3` (with a message) so that the `3 * perplexity`
#' nearest units the calibration uses exist; at least 5 units are needed. Without coordinates to
#' run PCA on, [embed_tsne()] starts from a spectral initialisation of the affinities.
#'
#' **Where nembed differs from the reference code, and why.** WassersteinTSNE (`ComputeTSNE`)
#' runs openTSNE on the distance matrix with a random start, Barnes-Hut repulsion and openTSNE's
#' learning rate `max(200, n / 12)` (200 for the paper's 400 units); nembed uses [embed_tsne()]'s
#' defaults: a spectral start (random when the units' kNN graph is disconnected, which on the
#' paper's mixture happens for 12 of its 15 values of `lambda`), exact repulsion up to 500 units
#' and learning rate `max(n / 12, 50)` (50 for 400 units). Measured on the paper's mixture
#' (`hierarchical_gaussian_mixture()`, kNN accuracy in the paper's measure, k = 5, over its 15
#' values of `lambda`; `bench/fidelity-defaults.R`, one seed): nembed's defaults 93.3 % on mean,
#' random start with learning rate 200 93.4 %, the paper's `HGMMresults.csv` 92.9 %; every
#' `lambda` within 4 points of the paper in both. The defaults are kept (one set of t-SNE
#' defaults for the package); pass `init = "random", learning_rate = 200` to follow the
#' reference.
#'
#' @inheritParams wasserstein_distances
#' @param X Samples: a numeric matrix or data frame of numeric columns (rows = samples), or a
#'   `SingleCellExperiment` whose cells are the samples (`groups` may then name a `colData()`
#'   column; see [nembed_sce]), or a `Seurat` object (`groups` may name a `meta.data` column; see
#'   [nembed_seurat]).
#' @param perplexity t-SNE perplexity (over units).
#' @param seed Seed for the t-SNE initialisation and optimisation (`NULL` draws one from R's RNG).
#' @param ... Further arguments to [embed_tsne()] (e.g. `init`, `n_iter`, `exaggeration`); for a
#'   `SingleCellExperiment` `X` also the arguments of [nembed_sce] (`dimred`, `assay.type`, ...);
#'   for a `Seurat` object those of [nembed_seurat].
#' @return A data frame (class `nembed_wasserstein`, a [nembed_embedding]) with one row per unit
#'   and columns `group` (the unit name, a factor), `x`, `y` and `size` (samples in the unit).
#'   `embedding_record()` gives the run's record; its `distances` element is the `dist` used.
#' @seealso [plot_units()] to draw each unit's samples or Gaussian ellipse at its position.
#' @section Valid ranges: `r range_section("embed_wasserstein")`
#' @export
#' @examples
#' hgm <- hierarchical_gaussian_mixture(n_units = 40, n_samples = 20, seed = 1)
#' emb <- embed_wasserstein(hgm$X, hgm$groups, lambda = 0.75, perplexity = 10,
#'                          n_threads = 1, seed = 1)
#' head(emb)
#' knn_accuracy(emb, hgm$unit_labels, k = 5, n_threads = 1)
embed_wasserstein <- function(X, groups, ...) UseMethod("embed_wasserstein")

#' @rdname embed_wasserstein
#' @export
embed_wasserstein.default <- function(X, groups, method = "gaussian", lambda = 0.5,
                                      perplexity = 30, n_threads = NULL, seed = NULL,
                                      verbose = FALSE, ...) {
  perplexity <- check_number(perplexity, "perplexity", lower = 0, lower_open = TRUE)
  n_threads <- default_threads(n_threads)
  t0 <- proc.time()[["elapsed"]]
  d <- wasserstein_distances(X, groups, method = method, lambda = lambda, n_threads = n_threads,
                             verbose = verbose)
  t_dist <- proc.time()[["elapsed"]] - t0
  n_units <- attr(d, "Size")
  # Below 5 units the capped perplexity (n_units - 1) / 3 would not exceed 1.
  if (n_units < 5L) {
    nembed_abort(sprintf("`groups` must define at least 5 units for a t-SNE; it has %d.", n_units),
                 "size", "groups")
  }
  max_perplexity <- (n_units - 1) / 3
  if (perplexity > max_perplexity) {
    message(sprintf("perplexity %s is too large for %d units; using %s = (n_units - 1) / 3.",
                    format(perplexity), n_units, format(signif(max_perplexity, 4))))
    perplexity <- max_perplexity
  }
  emb <- embed_tsne(d, perplexity = perplexity, n_threads = n_threads, seed = seed,
                    verbose = verbose, ...)
  rec <- embedding_record(emb)
  rec$method <- "wasserstein_tsne"
  rec$wasserstein <- list(method = attr(d, "method"), lambda = lambda, perplexity = perplexity)
  rec$distances <- d
  # The distances between units stand where the kNN search stands for data.
  rec$timings$knn <- t_dist
  rec$timings$total <- rec$timings$total + t_dist
  coords <- unclass_embedding(emb)
  labels <- attr(d, "Labels")
  out <- data.frame(group = factor(labels, levels = labels), coords,
                    size = unname(attr(d, "unit_size")), row.names = labels,
                    stringsAsFactors = FALSE)
  attr(out, "nembed_record") <- rec
  class(out) <- c("nembed_wasserstein", "nembed_embedding", "data.frame")
  out
}

#' Draw each unit's samples or Gaussian ellipse at its place in a Wasserstein t-SNE
#'
#' Base-graphics plot of an [embed_wasserstein()] result in which every unit is drawn as a small
#' glyph centred at its embedding position: its samples (`what = "points"`) or the 2-standard-
#' deviation ellipse of its Gaussian approximation (`what = "ellipses"`), both in the two data
#' dimensions `dims` and centred on the unit's mean. All glyphs share one scale, chosen so that a
#' typical glyph reaches about 3% of the width of the map from its centre (set it with `scale`),
#' so the shapes and sizes of the units can be compared across the map.
#'
#' @param embedding The result of [embed_wasserstein()].
#' @param X,groups The samples and groups the embedding was computed from.
#' @param what `"points"` or `"ellipses"`.
#' @param color Optional vector with one value per unit (row of `embedding`) to colour by.
#' @param dims The two columns of `X` to draw.
#' @param scale Data units to embedding units; `NULL` chooses it automatically.
#' @param cex Size of the sample points.
#' @param ... Passed to [graphics::plot()] (e.g. `main`, `xlab`, `axes`).
#' @return `embedding`, invisibly.
#' @section Valid ranges: `r range_section("plot_units")`
#' @export
#' @examples
#' hgm <- hierarchical_gaussian_mixture(n_units = 40, n_samples = 20, seed = 1)
#' emb <- embed_wasserstein(hgm$X, hgm$groups, lambda = 0.75, perplexity = 10,
#'                          n_threads = 1, seed = 1)
#' plot_units(emb, hgm$X, hgm$groups, what = "ellipses", color = hgm$unit_labels)
plot_units <- function(embedding, X, groups, what = c("points", "ellipses"), color = NULL,
                       dims = 1:2, scale = NULL, cex = 0.2, ...) {
  what <- check_choice(what, c("points", "ellipses"), "what")
  if (!inherits(embedding, "nembed_embedding") || is.null(embedding$group)) {
    nembed_abort("`embedding` must be the result of embed_wasserstein().", "type", "embedding")
  }
  Xm <- as_data_matrix(X, "X", min_rows = 2L)
  units <- unit_index(groups, nrow(Xm))
  pos <- match(as.character(embedding$group), units$names)
  if (anyNA(pos) || length(units$names) != nrow(embedding)) {
    nembed_abort("`groups` does not define the units of `embedding`.", "value", "groups")
  }
  if (!is.numeric(dims) || length(dims) != 2L || any(dims < 1) || any(dims > ncol(Xm))) {
    nembed_abort(sprintf("`dims` must be two column numbers of `X` (1 to %d).", ncol(Xm)),
                 "value", "dims")
  }
  scale <- check_number(scale, "scale", lower = 0, lower_open = TRUE, allow_null = TRUE)
  Y <- as.matrix(embedding)[, 1:2, drop = FALSE]
  cols <- rep("black", nrow(Y))
  if (!is.null(color)) {
    if (length(color) != nrow(Y)) {
      nembed_abort(sprintf("`color` must have one value per unit (%d).", nrow(Y)), "size", "color")
    }
    f <- factor(color)
    pal <- grDevices::hcl.colors(max(2, nlevels(f)), "Dark 3")
    cols <- pal[as.integer(f)]
  }
  # Samples of each unit (in embedding row order), centred on the unit mean, in the chosen dims.
  members <- split(seq_len(nrow(Xm)), factor(units$index, levels = seq_len(length(units$names))))
  centred <- lapply(members[pos], function(r) {
    P <- Xm[r, dims, drop = FALSE]
    sweep(P, 2, colMeans(P))
  })
  shapes <- if (what == "points") centred else lapply(centred, unit_ellipse)
  if (is.null(scale)) {
    # t-SNE packs units tightly inside clusters, so glyphs are sized to the whole map, not to
    # the spacing between neighbours; overlapping glyphs within a cluster are expected.
    reach <- vapply(shapes, function(s) if (nrow(s)) max(sqrt(rowSums(s^2))) else 0, numeric(1))
    extent <- max(apply(Y, 2, function(v) diff(range(v))))
    typical <- stats::median(reach[reach > 0])
    scale <- if (is.finite(typical) && typical > 0 && extent > 0) 0.03 * extent / typical else 1
  }
  glyphs <- lapply(seq_along(shapes), function(u) {
    sweep(shapes[[u]] * scale, 2, Y[u, ], "+")
  })
  all_pts <- do.call(rbind, c(list(Y), glyphs))
  plot_args <- utils::modifyList(list(x = all_pts[, 1], y = all_pts[, 2], type = "n", asp = 1,
                                       xlab = "x", ylab = "y"), list(...))
  do.call(graphics::plot, plot_args)
  for (u in seq_along(glyphs)) {
    g <- glyphs[[u]]
    if (what == "points") {
      graphics::points(g[, 1], g[, 2], pch = 16, cex = cex, col = cols[u])
    } else if (nrow(g)) {
      graphics::polygon(g[, 1], g[, 2], border = cols[u], col = NA)
    }
  }
  if (!is.null(color) && nlevels(factor(color)) <= 20) {
    graphics::legend("topright", legend = levels(factor(color)),
                     col = pal[seq_len(nlevels(factor(color)))], pch = 16, cex = 0.7, bty = "n")
  }
  invisible(embedding)
}

# The 2-standard-deviation ellipse (as a polygon) of the unbiased covariance of centred samples;
# a single sample (no covariance) gives an empty polygon.
unit_ellipse <- function(P, n_vertices = 60L) {
  if (nrow(P) < 2L) return(matrix(numeric(0), 0L, 2L))
  e <- eigen(crossprod(P) / (nrow(P) - 1), symmetric = TRUE)
  root <- e$vectors %*% diag(sqrt(pmax(e$values, 0)), 2L)
  t <- seq(0, 2 * pi, length.out = n_vertices)
  2 * cbind(cos(t), sin(t)) %*% t(root)
}

#' @exportS3Method ggplot2::autoplot
autoplot.nembed_wasserstein <- function(object, color = NULL, ..., colour = NULL) {
  reject_dots("autoplot", ...)
  color <- pick_colour(color, colour)
  if (!is.null(color) && (!is.atomic(color) || length(color) != nrow(object))) {
    nembed_abort(sprintf("`color` must have one value per unit (%d); it has length %d.",
                         nrow(object), length(color)), "size", "color")
  }
  if (!requireNamespace("ggplot2", quietly = TRUE)) {
    nembed_abort("autoplot() needs the 'ggplot2' package.", "dependency", "object")
  }
  df <- as.data.frame(unclass(object))[, c("group", "x", "y", "size")]
  df$color <- if (is.null(color)) factor(1) else factor(color)
  p <- ggplot2::ggplot(df, ggplot2::aes(x = .data$x, y = .data$y)) +
    ggplot2::geom_point(ggplot2::aes(size = .data$size, colour = .data$color), alpha = 0.8) +
    ggplot2::scale_size_area(max_size = 3) +
    ggplot2::coord_equal() +
    ggplot2::labs(x = NULL, y = NULL, size = "samples",
                  colour = if (is.null(color)) NULL else "label")
  if (is.null(color)) p <- p + ggplot2::guides(colour = "none")
  p
}

#' Hierarchical Gaussian mixture: synthetic units of samples
#'
#' The synthetic data of Bachmann, Hennig & Kobak (2022, Fig. 5): `n_classes` classes of units,
#' each unit a set of `n_samples` Gaussian samples. A unit's mean is drawn from
#' \eqn{N(\mu_c, \gamma I)} around its class mean and its covariance from a Wishart distribution
#' with `nu` degrees of freedom and the class's scale matrix \eqn{\Lambda_c} (so its expected
#' covariance is \eqn{\nu \Lambda_c}). With the defaults (the paper's settings) classes 1 and 2
#' share the mean (30, 0), classes 3 and 4 the mean (0, 0); classes 1 and 3 have the elongated
#' scale matrix with eigenvalues 10 and 0.5 rotated by 20 degrees, classes 2 and 4 the same
#' rotated by 110 degrees. Means alone therefore separate only {1, 2} from {3, 4}, covariances
#' alone only {1, 3} from {2, 4}; both are needed to tell all four apart.
#'
#' The defaults are those of the paper's Figure 5 (wassersteinTSNE-paper `Experiments/Figure5.py`,
#' WassersteinTSNE `HGMM.py::ToyDataset`): 100 units *per class*, so 400 units in all, of 30
#' samples each, in 2 dimensions; unit means drawn with covariance 5 I around the class means
#' (30, 0), (30, 0), (0, 0), (0, 0); Wishart with 4 degrees of freedom and the scale matrices
#' above; seed 13. The paper's kNN accuracies (its `Experiments/cache/HGMMresults.csv`) are
#' multiples of 1.5 / 400 points, i.e. they were computed on 400 units. nembed draws with R's RNG,
#' so seed 13 gives a different sample of the same distribution than NumPy's. Note that
#' `n_units` counts all units (the reference's `datapoints` counts units per class).
#'
#' For more classes, class `c` (0-based) takes mean group `c %/% 2` (mean groups spaced
#' `class_distance` apart along the first axis) and shape `c %% 2`. In more than two dimensions
#' the rotation acts on the first two axes and the other axes get the smaller eigenvalue; `nu` is
#' raised to `dim` if smaller, so that the covariances are non-singular.
#'
#' @param n_units Total number of units, split as evenly as possible among the classes (the
#'   default 400 is the paper's 100 per class).
#' @param n_samples Samples per unit.
#' @param n_classes Number of classes.
#' @param dim Dimension of the samples (at least 2).
#' @param seed Seed for R's RNG (the global RNG state is restored afterwards); `NULL` uses the
#'   current state.
#' @param class_distance Distance between the means of neighbouring mean groups.
#' @param mean_variance \eqn{\gamma}: variance of the unit means around their class mean.
#' @param nu Wishart degrees of freedom.
#' @param shape Eigenvalues of the class scale matrices (largest first).
#' @param angles Rotations (degrees) of the two class shapes.
#' @return A list with `X` (a `n_units * n_samples` by `dim` matrix), `groups` (a factor naming
#'   each sample's unit, `"unit001"`, ...), and `unit_labels` (a factor with one class label per
#'   unit, named by unit, in the order of `levels(groups)`).
#' @section Valid ranges: `r range_section("hierarchical_gaussian_mixture")`
#' @export
#' @examples
#' hgm <- hierarchical_gaussian_mixture()
#' str(hgm)
#' plot(hgm$X, col = hgm$unit_labels[hgm$groups], pch = 16, cex = 0.3, asp = 1)
hierarchical_gaussian_mixture <- function(n_units = 400, n_samples = 30, n_classes = 4, dim = 2,
                                          seed = 13, class_distance = 30, mean_variance = 5,
                                          nu = 4, shape = c(10, 0.5), angles = c(20, 110)) {
  n_units <- check_count(n_units, "n_units", lower = 1)
  n_samples <- check_count(n_samples, "n_samples", lower = 1)
  n_classes <- check_count(n_classes, "n_classes", lower = 1)
  dim <- check_count(dim, "dim", lower = 2)
  seed <- check_count(seed, "seed", lower = 0, upper = .Machine$integer.max)
  if (n_units < n_classes) {
    nembed_abort(sprintf("`n_units` (%d) must be at least `n_classes` (%d).", n_units, n_classes),
                 "size", "n_units")
  }
  class_distance <- check_number(class_distance, "class_distance")
  mean_variance <- check_number(mean_variance, "mean_variance", lower = 0)
  nu <- max(check_number(nu, "nu", lower = 1), dim)
  if (!is.numeric(shape) || length(shape) != 2L || any(!is.finite(shape)) || any(shape <= 0)) {
    nembed_abort("`shape` must be two positive numbers.", "value", "shape")
  }
  if (!is.numeric(angles) || length(angles) != 2L || any(!is.finite(angles))) {
    nembed_abort("`angles` must be two numbers (degrees).", "value", "angles")
  }
  n_mean_groups <- ceiling(n_classes / 2)
  class_mean <- function(c) {
    m <- numeric(dim)
    m[1] <- class_distance * (n_mean_groups - 1 - c %/% 2)
    m
  }
  class_scale <- function(c) {
    a <- angles[c %% 2 + 1] * pi / 180
    R <- diag(dim)
    R[1:2, 1:2] <- matrix(c(cos(a), sin(a), -sin(a), cos(a)), 2)
    R %*% diag(c(shape, rep(min(shape), dim - 2))) %*% t(R)
  }
  per_class <- rep(n_units %/% n_classes, n_classes) +
    (seq_len(n_classes) <= n_units %% n_classes)
  unit_class <- rep(seq_len(n_classes) - 1L, per_class)
  draw <- function() {
    X <- matrix(0, n_units * n_samples, dim)
    for (u in seq_len(n_units)) {
      c <- unit_class[u]
      mu <- class_mean(c) + sqrt(mean_variance) * stats::rnorm(dim)
      S <- stats::rWishart(1L, nu, class_scale(c))[, , 1]
      e <- eigen(S, symmetric = TRUE)
      root <- e$vectors %*% diag(sqrt(pmax(e$values, 0)), dim) %*% t(e$vectors)
      Z <- matrix(stats::rnorm(n_samples * dim), n_samples, dim)
      X[(u - 1L) * n_samples + seq_len(n_samples), ] <- sweep(Z %*% root, 2, mu, "+")
    }
    X
  }
  X <- if (is.null(seed)) draw() else with_seed(seed, draw())
  unit_names <- sprintf(paste0("unit%0", nchar(n_units), "d"), seq_len(n_units))
  groups <- factor(rep(unit_names, each = n_samples), levels = unit_names)
  unit_labels <- factor(paste0("class", unit_class + 1L),
                        levels = paste0("class", seq_len(n_classes)))
  names(unit_labels) <- unit_names
  list(X = X, groups = groups, unit_labels = unit_labels)
}

# The tidy-evaluation pronoun used in autoplot(); ggplot2 is only suggested.
utils::globalVariables(".data")
