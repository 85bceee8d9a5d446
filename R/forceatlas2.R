# ForceAtlas2 (Jacomy et al. 2014) on the kNN graph.

#' ForceAtlas2 layout of the kNN graph
#'
#' The force-directed layout ForceAtlas2 (Jacomy, Venturini, Heymann & Bastian 2014) on the binary
#' symmetric kNN graph, with the settings of the attraction-repulsion spectrum paper (Boehm,
#' Berens & Kobak 2022): linear attraction along edges, repulsion `scaling_ratio (deg_i + 1)
#' (deg_j + 1) / d` between all pairs (Barnes-Hut with `theta = 1.2`), gravity towards the origin
#' and ForceAtlas2's adaptive global and per-node speeds, 750 iterations. On the spectrum it sits
#' near t-SNE with exaggeration ~30. Runs in two dimensions; the result does not depend on
#' `n_threads`.
#'
#' @inheritParams embed_contrastive
#' @param n_iter Number of iterations.
#' @param scaling_ratio Repulsion strength `k_r`.
#' @param gravity Gravity strength `k_g` (force `k_g (deg_i + 1)` towards the origin).
#' @param strong_gravity Use ForceAtlas2's strong gravity (force proportional to the distance).
#' @param theta Barnes-Hut accuracy (a cell acts as one body when its distance times `theta`
#'   exceeds its size); `0` computes the repulsion exactly in O(n^2).
#' @param jitter_tolerance ForceAtlas2's tolerance to swinging.
#' @param init `"pca"` (scaled to standard deviation `sqrt(n)` in the first coordinate),
#'   `"spectral"`, `"random"` or an n x 2 matrix.
#' @param X Data (numeric matrix, data frame, `dgCMatrix`, `dist` or precomputed neighbours), a
#'   `nembed_knn` graph, a `nembed_affinities` object (its weights are used), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "FA2")`; see
#'   [nembed_sce]) or a `Seurat` object (stored as `X[["fa2"]]`; see [nembed_seurat]).
#' @return A `nembed_embedding` (see [nembed_embedding]); its record holds the parameters, the graph
#'   and timings.
#' @references Jacomy, Venturini, Heymann & Bastian (2014). ForceAtlas2, a continuous graph layout
#'   algorithm for handy network visualization designed for the Gephi software. PLoS ONE 9(6).
#' @section Valid ranges: `r range_section("embed_fa2")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_fa2(X, n_iter = 200, n_threads = 1, seed = 1)
#' plot(emb, color = iris$Species[!duplicated(iris[, 1:4])])
embed_fa2 <- function(X, ...) UseMethod("embed_fa2")

#' @rdname embed_fa2
#' @export
embed_fa2.default <- function(X, k = 15, n_iter = 750, scaling_ratio = 2, gravity = 1,
                              theta = 1.2, strong_gravity = FALSE, jitter_tolerance = 1,
                              init = "pca", pca = TRUE, n_threads = NULL, seed = NULL,
                              verbose = FALSE, ...) {
  reject_dots("embed_fa2", ...)
  check_flag(strong_gravity, "strong_gravity")
  k <- check_count(k, "k")
  n_iter <- check_count(n_iter, "n_iter", lower = 0)
  scaling_ratio <- check_number(scaling_ratio, "scaling_ratio", lower = 0, lower_open = TRUE, upper = 1e6)
  gravity <- check_number(gravity, "gravity", lower = 0, upper = 1e6)
  theta <- check_number(theta, "theta", lower = 0)
  jitter_tolerance <- check_number(jitter_tolerance, "jitter_tolerance", lower = 0,
                                   lower_open = TRUE, upper = 1e6)
  check_init_arg(init)
  ctx <- nembed_context(n_threads, seed, verbose)
  prep <- prepare_embedding_input(X, k = k, ctx, pca = pca)
  n <- prep$n
  run_embedding(ctx, "fa2", prep,
    graph = function(prep) contrastive_graph(prep, k, ctx, binary = FALSE),
    init = function(prep, W) init_layout(init, ctx, W, prep$data, n, 2L, scale = sqrt(n)),
    optimise = function(prep, W, Y0) {
      ini <- list(Y = Y0)
      n_threads <- ctx$n_threads
      verbose <- ctx$verbose
      Y <- core_call(forceatlas2_cpp(ini$Y, W, list(
        n_iter = n_iter, scaling_ratio = scaling_ratio, gravity = gravity,
        strong_gravity = strong_gravity, theta = theta, jitter_tolerance = jitter_tolerance,
        n_threads = n_threads, verbose = verbose)))
      list(Y = Y, params = list(k = k, n_iter = n_iter, scaling_ratio = scaling_ratio,
                                gravity = gravity, strong_gravity = strong_gravity, theta = theta,
                                jitter_tolerance = jitter_tolerance),
           extra = list(init_coords = Y0, graph = W, knn = prep$knn))
    })
}

# ForceAtlas2's energy (Noack's (a, r) = (1, -1) model plus gravity), whose negative gradient is the
# ForceAtlas2 force: sum over edges w d^2 / 2 - k_r sum_{i<j} m_i m_j log d_ij
# + k_g sum_i m_i |y_i| (strong gravity: k_r k_g sum_i m_i |y_i|^2 / 2). Exact, O(n^2): for tests.
fa2_energy <- function(Y, W, scaling_ratio = 2, gravity = 1, strong_gravity = FALSE) {
  Y <- as.matrix(Y)
  W <- as_weight_matrix(W)
  Wt <- Matrix::summary(W)
  Wt <- Wt[Wt$i < Wt$j & Wt$x > 0, ]
  m <- 1 + Matrix::rowSums(W > 0)
  attraction <- sum(Wt$x * rowSums((Y[Wt$i, , drop = FALSE] - Y[Wt$j, , drop = FALSE])^2)) / 2
  D <- as.matrix(stats::dist(Y))
  MM <- outer(m, m)
  up <- upper.tri(D)
  repulsion <- -scaling_ratio * sum(MM[up] * log(D[up]))
  r <- sqrt(rowSums(Y^2))
  grav <- if (strong_gravity) scaling_ratio * gravity * sum(m * r^2) / 2 else gravity * sum(m * r)
  attraction + repulsion + grav
}
