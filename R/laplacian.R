# Laplacian eigenmaps and the spectral layout shared by UMAP and t-SNE initialisation.

# new("dgCMatrix") (used by affinities()) needs the class visible from nembed's namespace.
#' @importClassesFrom Matrix dgCMatrix
NULL

#' Laplacian eigenmaps
#'
#' Embeds the points by the bottom non-trivial eigenvectors of the symmetric normalised Laplacian
#' `L = I - D^(-1/2) W D^(-1/2)` of their kNN graph (Belkin & Niyogi 2003), the limit of the
#' attraction-repulsion spectrum for infinite exaggeration (Boehm, Berens & Kobak 2022). `W` is the
#' binary symmetric kNN graph (an edge where either point is among the other's `k` nearest
#' neighbours), or the matrix `P` of a `nembed_affinities` object passed as `X`.
#'
#' The coordinates are the generalised eigenvectors `y = D^(-1/2) v` (the solutions of
#' `L_rw y = lambda y`, which minimise `sum_ij w_ij |y_i - y_j|^2` under `t(Y) D Y = const`), scaled
#' so that the degree-weighted mean of each squared coordinate is 1. Graphs with fewer than
#' `dense_limit` points are solved exactly with a dense eigendecomposition; larger ones with the
#' Lanczos solver of the Spectra library (RSpectra's headers) on the deflated normalised adjacency
#' matrix. Signs are fixed so that the largest-magnitude entry of each eigenvector is positive.
#'
#' @param X Data (a numeric matrix, data frame, `dgCMatrix` or `dist`), a `nembed_knn` graph,
#'   a `nembed_affinities` object, or a `SingleCellExperiment` (the result is then stored as
#'   `reducedDim(X, "LAPLACIAN")`; see [nembed_sce]) or a `Seurat` object (stored as
#'   `X[["laplacian"]]`; see [nembed_seurat]).
#' @param k Number of nearest neighbours (self excluded).
#' @param n_components Number of eigenvectors (embedding dimensions).
#' @param pca Reduce data with more than 50 columns to 50 principal components first.
#' @param dense_limit Graphs with fewer points are solved with a dense eigendecomposition.
#' @param n_threads Number of threads; see [default_threads()].
#' @param seed Seed for the Lanczos starting vector (the result does not depend on it beyond the
#'   solver's tolerance).
#' @param verbose Print progress messages.
#' @param ... For a `SingleCellExperiment` `X`, the arguments of [nembed_sce] (`dimred`,
#'   `n_dimred`, `assay.type`, `name`, ...); for a `Seurat` object those of [nembed_seurat];
#'   otherwise none.
#' @return A `nembed_embedding` (see [nembed_embedding]); its record holds the eigenvalues of `L`,
#'   the graph and the solver used. A graph with more than one connected component has no unique
#'   non-trivial eigenvectors: it raises an error of class `nembed_error_graph` (use a larger `k`).
#' @section Valid ranges: `r range_section("embed_laplacian")`
#' @export
#' @examples
#' # a noisy spiral: one connected kNN graph
#' t <- seq(1, 4 * pi, length.out = 400)
#' X <- cbind(t * cos(t), t * sin(t), rnorm(400, sd = 0.3))
#' emb <- embed_laplacian(X, k = 10, n_threads = 1)
#' plot(emb, color = cut(t, 5))
embed_laplacian <- function(X, ...) UseMethod("embed_laplacian")

#' @rdname embed_laplacian
#' @export
embed_laplacian.default <- function(X, k = 15, n_components = 2, pca = TRUE, dense_limit = 2000,
                                    n_threads = NULL, seed = NULL, verbose = FALSE, ...) {
  reject_dots("embed_laplacian", ...)
  k <- check_count(k, "k")
  n_components <- check_count(n_components, "n_components")
  dense_limit <- check_count(dense_limit, "dense_limit", lower = 0)
  ctx <- nembed_context(n_threads, seed, verbose)
  prep <- prepare_embedding_input(X, k = k, ctx, pca = pca)
  if (n_components >= prep$n - 1) {
    nembed_abort(sprintf("`n_components` = %d is too large for %d points.", n_components, prep$n),
                 "size", "n_components")
  }
  run_embedding(ctx, "laplacian", prep,
    graph = function(prep) {
      if (!is.null(prep$affinities)) prep$affinities$P else binary_knn_graph(prep$knn, k, ctx$n_threads)
    },
    init = function(prep, W) list(Y = NULL, method = "none"),  # an eigenproblem needs no start
    optimise = function(prep, W, Y0) {
      eig <- spectral_eigen(W, n_components, ctx$seed, ctx$n_threads, dense_limit = dense_limit,
                            verbose = ctx$verbose)
      if (!eig$ok) {
        nembed_abort(sprintf("Laplacian eigenmaps need a connected graph, but %s; use a larger `k`.",
                             eig$reason), if (eig$n_graph_components > 1) "graph" else "value", "k")
      }
      deg <- eig$sqrt_degree^2
      list(Y = eig$vectors / eig$sqrt_degree * sqrt(sum(deg)),
           params = list(k = k, n_components = n_components, dense_limit = dense_limit),
           extra = list(eigenvalues = eig$values, solver = eig$solver, graph = W,
                        knn = prep$knn, affinities = prep$affinities))
    })
}

# Binary symmetric kNN graph (union of the directed kNN relations) as a dgCMatrix of ones.
binary_knn_graph <- function(knn, k, n_threads) {
  g <- truncate_knn(knn, min(k, knn$k))
  res <- core_call(uniform_affinities_cpp(g$idx, list(n_threads = n_threads)))
  Matrix::sparseMatrix(i = res$i, p = res$p, x = rep(1, length(res$x)), dims = c(g$n, g$n),
                       index1 = FALSE)
}

# The symmetric weight matrix of a graph argument as a general dgCMatrix (CSC = CSR).
as_weight_matrix <- function(P, arg = "P") {
  if (inherits(P, "nembed_affinities")) P <- P$P
  if (!inherits(P, "Matrix") && !is.matrix(P)) {
    nembed_abort(sprintf("`%s` must be a symmetric sparse matrix or a `nembed_affinities` object.",
                         arg), "type", arg)
  }
  P <- methods::as(methods::as(methods::as(P, "CsparseMatrix"), "generalMatrix"), "dMatrix")
  if (nrow(P) != ncol(P)) nembed_abort(sprintf("`%s` must be square.", arg), "size", arg)
  if (anyNA(P@x) || any(!is.finite(P@x)) || any(P@x < 0)) {
    nembed_abort(sprintf("`%s` must have finite non-negative entries.", arg), "value", arg)
  }
  P
}

# Bottom non-trivial eigenpairs of the symmetric normalised Laplacian of P: list(ok, reason,
# vectors (unit columns v), values, sqrt_degree, n_graph_components, solver, iterations).
spectral_eigen <- function(P, n_components = 2, seed = 1, n_threads = 1L, dense_limit = 2000,
                           tol = 1e-7, verbose = FALSE) {
  P <- as_weight_matrix(P)
  core_call(spectral_init_cpp(P, list(
    n_components = n_components, seed = seed, n_threads = n_threads,
    dense_limit = dense_limit, tol = tol, verbose = verbose)))
}

# Spectral layout for initialising UMAP or t-SNE (internal; not exported).
#
# spectral_layout(P, n_components, seed, n_threads) returns the n x n_components matrix of unit-norm bottom
# non-trivial eigenvectors of the symmetric normalised Laplacian I - D^-1/2 P D^-1/2 of the
# symmetric non-negative matrix P (a dgCMatrix or a nembed_affinities object), as umap-learn's
# spectral initialisation does (callers scale it: UMAP to max |coordinate| 10, t-SNE to sd 1e-4).
# When the graph is disconnected or the eigensolver fails it returns NULL after the message
# "Spectral initialisation is not possible (<reason>); using <fallback> instead." (no message with
# fallback = NULL), so the caller can fall back, e.g.
#   Y <- spectral_layout(aff, 2, ctx$seed, ctx$n_threads, fallback = "PCA") %||% pca_layout(...)
# seed and n_threads: the run context's (see nembed_context()); the seed picks the Lanczos starting
# vector, and the solution does not depend on it beyond the solver tolerance. Dense solver below 2,000 points.
# Tolerance 1e-4 is umap-learn's (its spectral_layout calls eigsh with tol = 1e-4): a starting
# layout needs no more. On the UMAP graph of Fashion-MNIST 70,000 it takes 10 restarts instead of
# 15 at 1e-6 (0.8 vs 1.2 CPU s) and the two pairs of vectors agree to a cosine of 0.99998.
spectral_layout <- function(P, n_components, seed, n_threads, fallback = "PCA", verbose = FALSE) {
  res <- tryCatch(spectral_eigen(P, n_components, seed, n_threads, tol = 1e-4, verbose = verbose),
                  # A failure inside the eigensolver means "no spectral layout", not bad input.
                  nembed_error_internal = function(e) list(ok = FALSE, reason = conditionMessage(e)),
                  nembed_error = function(e) stop(e),
                  error = function(e) list(ok = FALSE, reason = conditionMessage(e)))
  if (!isTRUE(res$ok)) {
    if (!is.null(fallback)) {
      message(sprintf("Spectral initialisation is not possible (%s); using %s instead.",
                      res$reason, fallback))
    }
    return(NULL)
  }
  Y <- res$vectors
  attr(Y, "eigenvalues") <- res$values
  Y
}
