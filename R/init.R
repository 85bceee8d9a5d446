# Initialisation: the one module every embed_* gets its starting layout from. Each method passes
# its scaling rule; the random draws, their order and the scaling per rule are those each method
# has always used, so results stay the same bit for bit.
#
# Scaling rules (`scale`):
#   "tsne"  t-SNE: Gaussian random start, PCA zero-padded to n_components, spectral falling back
#           to random; all scaled to standard deviation 1e-4 of the first coordinate;
#   "max10" UMAP: largest |coordinate| 10, uniform random start in [-10, 10];
#   "sd1"   contrastive embeddings: standard deviation 1 of the first coordinate;
#   a number: that standard deviation of the first coordinate (ForceAtlas2: sqrt(n)).

check_init_arg <- function(init, choices = c("spectral", "pca", "random")) {
  if (is.matrix(init) || is.data.frame(init)) return(invisible(init))
  check_choice(init, choices, "init")
}

# Returns list(Y, method): the n x n_components start and how it was made ("user", "pca",
# "spectral", "random", or "<what> (spectral fallback)").
init_layout <- function(init, ctx, P, data, n, n_components, scale) {
  if (is.matrix(init) || is.data.frame(init)) {
    return(list(Y = user_layout(init, n, n_components, scale), method = "user"))
  }
  if (identical(scale, "tsne")) return(tsne_layout(init, ctx, P, data, n, n_components))
  if (init == "spectral") {
    Y <- spectral_layout(P, n_components, ctx$seed, ctx$n_threads,
                         fallback = if (is.null(data)) "a random initialisation" else "PCA",
                         verbose = ctx$verbose)
    if (!is.null(Y)) {
      Y <- unclass(Y)
      attributes(Y) <- list(dim = dim(Y))
      Y <- rescale_layout(Y, scale)
      Y <- Y + with_seed(ctx$seed, matrix(stats::rnorm(length(Y), sd = 1e-4), nrow(Y)))
      return(list(Y = Y, method = "spectral"))
    }
    Y <- pca_layout(data, n_components, scale, ctx)
    if (!is.null(Y)) return(list(Y = Y, method = "pca (spectral fallback)"))
    return(list(Y = uniform_layout(ctx, n, n_components), method = "random (spectral fallback)"))
  }
  if (init == "pca") {
    Y <- pca_layout(data, n_components, scale, ctx)
    if (!is.null(Y)) return(list(Y = Y, method = "pca"))
    if (is.null(data)) message("PCA initialisation needs the data, not only a graph; using a random initialisation.")
  }
  list(Y = rescale_layout(uniform_layout(ctx, n, n_components), scale), method = "random")
}

# A start given by the user, checked: a matrix or data frame (a nembed_embedding too).
user_layout <- function(init, n, n_components, scale) {
  Y <- as_data_matrix(if (inherits(init, "nembed_embedding")) as.matrix(init) else init, "init")
  if (nrow(Y) != n || ncol(Y) != n_components) {
    nembed_abort(sprintf("`init` must be a %d x %d matrix (points x n_components); it is %d x %d.",
                         n, n_components, nrow(Y), ncol(Y)), "size", "init")
  }
  attributes(Y) <- list(dim = dim(Y))
  if (identical(scale, "tsne")) check_init_scale(Y, "init") else check_not_collapsed(Y, "init", "the embedding")
  Y
}

rescale_layout <- function(Y, scale) {
  if (identical(scale, "max10")) return(10 * Y / max(abs(Y)))
  target <- if (identical(scale, "sd1")) 1 else scale
  Y * target / stats::sd(Y[, 1])
}

uniform_layout <- function(ctx, n, n_components) {
  with_seed(ctx$seed, matrix(stats::runif(n * n_components, -10, 10), n))
}

gaussian_layout <- function(ctx, n, n_components) {
  with_seed(ctx$seed, matrix(stats::rnorm(n * n_components), n))
}

# The first n_components principal components of `data`, scaled by `scale`; NULL without data,
# with fewer components, or without spread along one of them.
pca_layout <- function(data, n_components, scale, ctx) {
  if (is.null(data)) return(NULL)
  Z <- pca(data, n_components = n_components, n_threads = ctx$n_threads)
  if (ncol(Z) < n_components) return(NULL)
  Y <- unclass(Z)[, seq_len(n_components), drop = FALSE]
  attributes(Y) <- list(dim = dim(Y))
  # Data without variance along a component (e.g. duplicated points only) would start every
  # point on a line or a single spot, where the gradient along the flat axis is exactly zero.
  spans <- apply(Y, 2, function(v) diff(range(v)))
  if (!all(is.finite(Y)) || any(spans <= 1e-12 * max(spans, 1e-300))) {
    tsmessage("the data have no spread along ", n_components, " principal components; using a random initialisation",
              verbose = ctx$verbose)
    return(NULL)
  }
  rescale_layout(Y, scale)
}

# t-SNE's rule (see the top of this file); `P` is the nembed_affinities object.
tsne_layout <- function(init, ctx, P, data, n, n_components) {
  init <- check_choice(init, c("pca", "spectral", "random"), "init")
  if (init == "pca" && is.null(data)) {
    tsmessage("no coordinates to run PCA on (graph or distance input): spectral initialisation",
              verbose = ctx$verbose)
    init <- "spectral"
  }
  method <- init
  Y <- switch(init,
    pca = {
      Z <- pca(data, n_components = n_components, seed = 1, n_threads = ctx$n_threads)
      if (ncol(Z) < n_components) Z <- cbind(Z, matrix(0, n, n_components - ncol(Z)))
      unname(Z[, seq_len(n_components), drop = FALSE])
    },
    spectral = tryCatch(spectral_layout(P$P, n_components, ctx$seed, ctx$n_threads,
                                        fallback = "a random initialisation"),
                        error = function(e) NULL),
    random = gaussian_layout(ctx, n, n_components)
  )
  if (is.null(Y)) {
    method <- "random (spectral fallback)"
    Y <- gaussian_layout(ctx, n, n_components)
  }
  s <- stats::sd(Y[, 1])
  if (!is.finite(s) || s == 0) {
    method <- "random"
    Y <- gaussian_layout(ctx, n, n_components)
    s <- stats::sd(Y[, 1])
  }
  list(Y = Y / s * 1e-4, method = method)
}
