#' Spectral distances on the kNN graph
#'
#' Distances between points computed from the spectrum of their symmetric k-nearest-neighbour
#' graph: effective resistance (by default with von Luxburg's correction), diffusion distance and
#' Laplacian-eigenmap distance. In noisy high-dimensional data they keep the shape of the data
#' (loops, voids) that Euclidean distances lose, which makes them good inputs for
#' [persistent_homology()] (Damrich, Berens & Kobak, NeurIPS 2024).
#'
#' The graph is the binary kNN graph (`k` neighbours, the point itself excluded) symmetrised by
#' union, A = max(A, t(A)); with `weighted = TRUE` an edge carries the conductance 1/distance.
#' With degrees d, the symmetric normalised Laplacian I - D^-1/2 A D^-1/2 has eigenpairs
#' (lambda_k, u_k), lambda_1 = 0, and psi_k = D^-1/2 u_k. Then, summing over k >= 2:
#' * corrected effective resistance: `sum((1 - lambda_k)^2 / lambda_k * (psi_k(i) - psi_k(j))^2)`,
#'   which equals R_ij - 1/d_i - 1/d_j + 2 a_ij / (d_i d_j) (von Luxburg et al.'s correction of the
#'   resistance R_ij, whose 1/d_i + 1/d_j part drowns the geometry in large graphs);
#' * effective resistance (`corrected = FALSE`): `sum(1 / lambda_k * (psi_k(i) - psi_k(j))^2)`,
#'   the pseudo-inverse form `L+_ii + L+_jj - 2 L+_ij` with L = D - A;
#' * diffusion distance after `t` steps of the random walk D^-1 A (no self-loops):
#'   `sqrt(vol * sum((1 - lambda_k)^(2t) * (psi_k(i) - psi_k(j))^2))`, vol = sum(d);
#' * Laplacian-eigenmap distance: the Euclidean distance between the rows of
#'   (psi_2, ..., psi_{n_eigen + 1}).
#'
#' Effective resistances are returned as they are (they behave like squared distances); the
#' corrected one is not a metric (it can break the triangle inequality), which persistent homology
#' does not need.
#'
#' **Exact and truncated spectra.** The exact distances use every eigenpair of each connected
#' component (a dense symmetric eigensolver: O(m^3) time and O(m^2) memory for a component of m
#' points; about 1 s for m = 1,000 and 8 s for m = 2,000 on one core). With `n_eigen` set, only the
#' `n_eigen` smallest non-trivial eigenpairs are used: an *approximation* for effective resistance
#' and diffusion, computed by Lanczos iterations (Spectra, from RSpectra) for components over 1,000
#' points. It is a good one for diffusion, whose weights (1 - lambda)^(2t) fall off fast (200
#' eigenpairs: within 0.03% of the exact distances on a 2,000-point circle, k = 15, t = 8), and a
#' coarser one for effective resistance, which loses the contribution of the large eigenvalues
#' (200 eigenpairs on 5,000 points, k = 100: Spearman correlation 0.96 with the exact distances,
#' which they underestimate by a third on median).
#' `n_eigen = NULL` means exact for components of up to 3,000 points and `n_eigen = 200` above
#' (diffusion and effective resistance), and 2 eigenvectors for the eigenmap. `n_eigen = "exact"`
#' asks for every eigenpair whatever the size (the dense solver: plan on about 1 min and 0.8 GB
#' for 5,000 points, growing as m^3 and m^2). When effective resistance (corrected or not) is
#' computed from a truncated spectrum, a warning of class `nembed_truncated_spectrum` says so and
#' names `n_eigen = "exact"`; the default diffusion truncation stays silent, its error being
#' negligible. The reference code (eff-ph) always uses the full spectrum: nembed's default differs
#' above 3,000 points only to keep the run time and memory of large inputs bounded.
#'
#' **Disconnected graphs** are handled per connected component; pairs in different components get
#' twice the largest within-component value (as eff-ph does for effective resistance), with a
#' warning of class `nembed_disconnected_graph`. Raise `k` to connect the graph. The diffusion
#' distance uses the volume of the whole graph in every component, as its definition
#' sqrt(vol(G)) ||(e_i - e_j)^T P^t D^-1/2|| and the reference code do, so distances in different
#' components stay on one scale.
#'
#' The n x n assembly runs on `n_threads` threads; the result does not depend on their number.
#'
#' @param x Data (a numeric matrix, data frame or `dgCMatrix`, rows are points), a `dist`, a
#'   `nembed_knn` from [knn_graph()] or precomputed neighbours `list(idx, dist)` as [knn_graph()]
#'   takes them (for these two, `k` defaults to their number of neighbours).
#' @param method `"effective_resistance"`, `"diffusion"` or `"laplacian_eigenmap"`.
#' @param k Number of nearest neighbours (excluding the point itself). The paper's best choices on
#'   a noisy circle are k = 100 for corrected effective resistance and k = 15 for diffusion.
#' @param corrected Apply von Luxburg's correction to the effective resistance (recommended).
#' @param t Diffusion time (number of random-walk steps), > 0.
#' @param n_eigen `NULL` (automatic), `"exact"` (every eigenpair, whatever the size) or the
#'   number of non-trivial eigenpairs to use; see Details.
#' @param weighted Weight edges by 1/distance instead of 1.
#' @param n_threads Number of threads; see [default_threads()].
#' @param verbose Print progress messages.
#' @param ... For a `SingleCellExperiment` `x`, the arguments of [nembed_sce] (`dimred`,
#'   `n_dimred`, `assay.type`, ...); for a `Seurat` object those of [nembed_seurat]; otherwise
#'   none.
#' @return A `dist` object (labels from the row names of `x`) with attribute `"spectral"`, a list
#'   recording the method, parameters, number of components, whether the spectrum was truncated,
#'   lambda_2 and the time taken.
#' @references Damrich, S., Berens, P. & Kobak, D. (2024). Persistent homology for
#'   high-dimensional data based on spectral methods. NeurIPS 2024.
#'   von Luxburg, U., Radl, A. & Hein, M. (2014). Hitting and commute times in large random
#'   neighborhood graphs. JMLR 15.
#' @seealso [persistent_homology()], [detection_score()], [noisy_circle()].
#' @section Valid ranges: `r range_section("spectral_distances")`
#' @export
#' @examples
#' X <- noisy_circle(n = 200, dim = 10, sigma = 0.1, seed = 1)
#' d <- spectral_distances(X, k = 15, n_threads = 1)
#' d_diff <- spectral_distances(X, method = "diffusion", k = 15, t = 8, n_threads = 1)
#' attr(d, "spectral")$n_components
spectral_distances <- function(x, ...) UseMethod("spectral_distances")

#' @rdname spectral_distances
#' @export
spectral_distances.default <- function(x, method = c("effective_resistance", "diffusion",
                                                     "laplacian_eigenmap"),
                                       k = 15, corrected = TRUE, t = 8, n_eigen = NULL,
                                       weighted = FALSE, n_threads = NULL, verbose = FALSE, ...) {
  reject_dots("spectral_distances", ...)
  method <- check_choice(method, c("effective_resistance", "diffusion", "laplacian_eigenmap"),
                         "method")
  check_flag(corrected, "corrected")
  check_flag(weighted, "weighted")
  check_flag(verbose, "verbose")
  t <- check_number(t, "t", lower = 0, lower_open = TRUE, upper = 1e6)
  n_threads <- default_threads(n_threads)
  if (inherits(x, "nembed_knn")) x <- validate_knn(x, "x")
  if (missing(k) && inherits(x, "nembed_knn")) k <- x$k
  if (missing(k) && is.list(x) && !is.data.frame(x) && is.matrix(x$idx %||% x$index)) {
    k <- ncol(x$idx %||% x$index)
  }
  if (!inherits(x, c("nembed_knn", "dist", "matrix", "data.frame", "sparseMatrix")) &&
      !is.numeric(x) && !is.list(x)) {
    nembed_abort(sprintf("`x` must be a data matrix, a data frame, a `dist` or a `nembed_knn`, not %s.",
                         paste(class(x), collapse = "/")), "type", "x")
  }
  t0 <- proc.time()[["elapsed"]]
  g <- knn_graph(x, k = k, n_threads = n_threads, verbose = verbose)
  n <- g$n
  if (n < 3L) nembed_abort(sprintf("`x` must have at least 3 points; it has %d.", n), "size", "x")
  n_eigen <- resolve_n_eigen(n_eigen, method, n)
  tsmessage("spectral distances: ", method, ", ", n, " points, k = ", g$k,
            if (n_eigen > 0) paste0(", ", n_eigen, " eigenpairs") else ", exact",
            verbose = verbose)
  res <- core_call(spectral_distances_cpp(g$idx, g$dist, list(
    method = method, corrected = corrected, t = t, n_eigen = n_eigen, weighted = weighted,
    n_threads = n_threads, verbose = verbose)))
  if (res$truncated && method == "effective_resistance") {
    nembed_warn(sprintf(paste0(
      "%s effective resistance was computed from the %d smallest non-trivial eigenpairs only, ",
      "which underestimates it (by about a third on median for 5,000 points, k = 100). ",
      "Use `n_eigen = \"exact\"` for the exact distances."),
      if (corrected) "Corrected" else "Uncorrected", n_eigen), "truncated_spectrum")
  }
  if (res$n_components > 1L) {
    sizes <- tabulate(res$component, res$n_components)
    nembed_warn(sprintf(paste0(
      "The kNN graph (k = %d) is disconnected: %d components (sizes %s). Distances were computed ",
      "per component; pairs in different components were set to twice the largest within-component ",
      "value (%s). Increase `k` to connect the graph."),
      g$k, res$n_components, paste(utils::head(sort(sizes, decreasing = TRUE), 6), collapse = ", "),
      format(res$cross_value, digits = 4)), "disconnected_graph")
  }
  d <- res$d
  attr(d, "Size") <- n
  if (!is.null(g$row_names)) attr(d, "Labels") <- g$row_names
  attr(d, "Diag") <- FALSE
  attr(d, "Upper") <- FALSE
  attr(d, "method") <- method
  attr(d, "call") <- match.call()
  attr(d, "spectral") <- list(
    method = method, k = g$k, corrected = corrected, t = t, n_eigen = n_eigen,
    weighted = weighted, n_edges = res$n_edges, n_components = res$n_components,
    component = res$component, cross_value = if (res$n_components > 1L) res$cross_value else NA_real_,
    truncated = res$truncated, lanczos = res$lanczos, lambda_2 = res$lambda_2,
    lambda_max = res$lambda_max, time = proc.time()[["elapsed"]] - t0)
  class(d) <- "dist"
  d
}

# Components above this size default to a truncated spectrum (the dense solver is cubic).
spectral_exact_max <- 3000L

resolve_n_eigen <- function(n_eigen, method, n) {
  if (identical(n_eigen, "exact")) {
    if (method == "laplacian_eigenmap") {
      nembed_abort("`n_eigen` must be a number of eigenvectors for the Laplacian eigenmap, not \"exact\".",
                   "value", "n_eigen")
    }
    return(0L)
  }
  if (is.null(n_eigen)) {
    if (method == "laplacian_eigenmap") return(2L)
    return(if (n > spectral_exact_max) 200L else 0L)
  }
  check_count(n_eigen, "n_eigen", lower = 1, upper = n - 1)
}
