#' Affinities on a kNN graph
#'
#' Turns a kNN graph into the sparse symmetric affinity matrix an embedding attracts along:
#' * `"perplexity"`: Gaussian conditional affinities p(j|i) on the `k` nearest neighbours, each
#'   point's bandwidth found by bisection so that the entropy of p(.|i) equals log(perplexity)
#'   (within 1e-5 wherever the neighbourhood allows); a vector of perplexities gives multi-scale
#'   affinities (their average per point). Symmetrised as P = (P_cond + t(P_cond)) / (2n), so
#'   `sum(P) == 1`. Default `k`: `3 * max(perplexity)`.
#' * `"uniform"`: p(j|i) = 1/k on the kNN graph, symmetrised and normalised in the same way.
#' * `"umap"`: UMAP's fuzzy simplicial set: per point rho (distance to the nearest neighbour)
#'   and sigma such that `sum_j exp(-(d_ij - rho_i) / sigma_i) = log2(k + 1)` (UMAP counts the
#'   point among its `n_neighbors = k + 1`), combined by the fuzzy union `A + t(A) - A * t(A)`;
#'   not normalised. Default `k`: 14 (UMAP's `n_neighbors = 15`).
#'
#' @param x Data (anything [knn_graph()] accepts) or a `nembed_knn` graph.
#' @param method `"perplexity"`, `"uniform"` or `"umap"`.
#' @param perplexity One or more perplexities (method `"perplexity"`).
#' @param k Neighbours per point (self excluded); `NULL` for the method's default. A graph with
#'   more neighbours is truncated.
#' @param n_threads,verbose See [knn_graph()].
#' @param set_op_mix_ratio UMAP's interpolation between fuzzy union (1) and intersection (0).
#' @param ... Passed to [knn_graph()] when `x` is data (e.g. `metric`, `method`).
#' @return A `nembed_affinities` object: a list with `P` (a symmetric `dgCMatrix`), `method`,
#'   `perplexity`, `k`, the `knn` graph it was built on, and per-point calibration results
#'   (`beta` and `entropy` or `rho` and `sigma`).
#' @section Valid ranges: `r range_section("affinities")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' P <- affinities(X, perplexity = 10, n_threads = 1)
#' P
#' sum(P$P)
affinities <- function(x, method = c("perplexity", "uniform", "umap"), perplexity = 30, k = NULL,
                       n_threads = NULL, verbose = FALSE, set_op_mix_ratio = 1, ...) {
  method <- check_choice(method, c("perplexity", "uniform", "umap"), "method")
  set_op_mix_ratio <- check_number(set_op_mix_ratio, "set_op_mix_ratio", 0, 1)  # checked for every method
  n_threads <- default_threads(n_threads)
  g <- affinity_graph(x, method, perplexity, k, n_threads, verbose, ...)
  build_affinities(g, g$k, method, perplexity, set_op_mix_ratio, n_threads, verbose)
}

# The kNN graph affinities() builds on, after its checks of `x`, `perplexity` and `k` (with g$k
# the neighbours kept): shared with embed_tsne()'s P held only in the core.
affinity_graph <- function(x, method, perplexity, k, n_threads, verbose, ...) {
  if (inherits(x, "nembed_affinities")) {
    nembed_abort("`x` is already a `nembed_affinities` object; pass its `$knn` to rebuild affinities.",
                 "type", "x")
  }
  if (inherits(x, "nembed_knn")) {
    x <- validate_knn(x, "x")
    reject_dots("affinities", ...)  # they would go to knn_graph(), which a graph does not need
  }
  if (method == "perplexity") {
    if (!is.numeric(perplexity) || length(perplexity) < 1L || anyNA(perplexity) ||
        any(!is.finite(perplexity)) || any(perplexity <= 1)) {
      nembed_abort("`perplexity` must be one or more finite numbers greater than 1.", "value",
                   "perplexity")
    }
  }
  n <- if (inherits(x, "nembed_knn")) x$n else n_points(x)
  k_default <- switch(method,
    perplexity = min(n - 1, floor(3 * max(perplexity))),
    uniform = min(n - 1, 15),
    umap = min(n - 1, 14)
  )
  if (method == "perplexity" && max(perplexity) >= n - 1) {
    nembed_abort(sprintf("`perplexity` = %s is too large for %d points: it must be smaller than n - 1 = %d (and ideally below (n - 1) / 3).",
                         format(max(perplexity)), n, n - 1L), "size", "perplexity")
  }
  if (is.null(k)) {
    k <- k_default
    if (method == "perplexity" && inherits(x, "nembed_knn")) k <- min(k, x$k)
  }
  g <- if (inherits(x, "nembed_knn")) truncate_knn(x, k, arg = "x", check = FALSE)
       else knn_graph(x, k = k, n_threads = n_threads, verbose = verbose, ...)
  k <- g$k
  if (method == "perplexity") {
    if (max(perplexity) >= k) {
      nembed_abort(sprintf("`perplexity` = %s needs more than %d neighbours: use k >= 3 * perplexity (here %d) or a smaller perplexity.",
                           format(max(perplexity)), k, as.integer(floor(3 * max(perplexity)))),
                   "size", "perplexity")
    }
    if (k < 3 * max(perplexity) && k < n - 1) {
      nembed_warn(sprintf("k = %d is below 3 * perplexity = %d: affinities are truncated more than usual.",
                          k, as.integer(3 * max(perplexity))))
    }
  }
  g
}

# The affinities of `method` on the checked kNN graph `g` (k neighbours): affinities() after its
# checks, and embed_tsne()'s record after an optimisation that held P only in the core.
build_affinities <- function(g, k, method, perplexity, set_op_mix_ratio, n_threads, verbose) {
  t0 <- proc.time()[["elapsed"]]
  res <- switch(method,
    perplexity = core_call(perplexity_affinities_cpp(g$idx, g$dist, list(perplexities = as.numeric(perplexity),
                                                                n_threads = n_threads))),
    uniform = core_call(uniform_affinities_cpp(g$idx, list(n_threads = n_threads))),
    umap = core_call(umap_affinities_cpp(g$idx, g$dist, list(
      set_op_mix_ratio = set_op_mix_ratio, n_threads = n_threads)))
  )
  P <- new("dgCMatrix", i = res$i, p = res$p, x = res$x, Dim = c(g$n, g$n))
  if (!is.null(g$row_names)) dimnames(P) <- list(g$row_names, g$row_names)
  tsmessage("affinities (", method, "): ", length(res$x), " non-zeros", verbose = verbose)
  out <- list(P = P, method = method, perplexity = if (method == "perplexity") perplexity else NULL,
              k = k, n = g$n, knn = g, time = proc.time()[["elapsed"]] - t0)
  if (method == "perplexity") {
    out$beta <- res$beta
    out$entropy <- res$entropy
  }
  if (method == "umap") {
    out$rho <- res$rho
    out$sigma <- res$sigma
    out$set_op_mix_ratio <- set_op_mix_ratio
  }
  structure(out, class = "nembed_affinities")
}

# Number of points in data without converting it.
n_points <- function(x, arg = "x") {
  if (inherits(x, "dist")) return(attr(x, "Size"))
  if (is.list(x) && !is.data.frame(x)) {
    m <- x$idx %||% x$index
    if (is.matrix(m)) return(nrow(m))
    nembed_abort(sprintf("`%s` must be data, a `dist`, precomputed neighbours or a `nembed_knn`.", arg),
                 "type", arg)
  }
  if (is.null(dim(x))) {
    if (is.numeric(x)) return(length(x))
    nembed_abort(sprintf("`%s` must be a numeric matrix or data frame, not %s.", arg,
                         paste(class(x), collapse = "/")), "type", arg)
  }
  nrow(x)
}

#' @method print nembed_affinities
#' @export
print.nembed_affinities <- function(x, ...) {
  cat(sprintf("<nembed_affinities> %s, %d points, k = %d, %d non-zeros%s\n", x$method, x$n, x$k,
              length(x$P@x),
              if (!is.null(x$perplexity)) paste0(", perplexity ", paste(x$perplexity, collapse = "/"))
              else ""))
  invisible(x)
}
