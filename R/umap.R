# UMAP (McInnes, Healy & Melville 2018) on nembed's graph layer and edge-sampling SGD.

#' UMAP embedding
#'
#' Uniform manifold approximation and projection, as in umap-learn and uwot: UMAP's fuzzy
#' affinities on the `k`-nearest-neighbour graph ([affinities()] with
#' `method = "umap"`), the low-dimensional similarity `1 / (1 + a d^(2b))` with `a` and `b` fitted
#' to `min_dist` and `spread`, spectral initialisation, and stochastic gradient descent over the
#' graph's edges, each sampled in proportion to its weight, with `n_negatives` uniformly
#' drawn negatives per positive step, gradients clipped to \[-4, 4\] and a learning rate decaying
#' linearly to 0. Edges lighter than `max(weight) / n_epochs` are never sampled and are dropped.
#'
#' **Initialisation.** `"spectral"` uses the bottom non-trivial eigenvectors of the symmetric
#' normalised Laplacian of the affinity graph, scaled to a maximum absolute coordinate of 10 plus
#' Gaussian noise of sd 1e-4 (umap-learn's recipe). When the graph is disconnected or the
#' eigensolver fails, a message says so and the PCA initialisation is used instead (random
#' uniform in \[-10, 10\] when only a graph was given). `"pca"` uses the first principal components
#' scaled to a maximum absolute coordinate of 10; `"random"` draws uniformly from \[-10, 10\]; a
#' matrix is used as it is.
#'
#' **Neighbours.** Above 20,000 points the neighbours are approximate, from HNSW with `M = 16`,
#' `ef_construction = 40` and `ef = k + 20` (as for every `embed_*`: see [nembed_embedding]),
#' lighter than [knn_graph()]'s defaults: on Fashion-MNIST 70,000 (PCA 50) they find 99.4% of the
#' exact 14 neighbours (the defaults 99.8%) in 32% less time, and the embedding's quality does
#' not change. Pass a [knn_graph()] as `X` for other settings.
#'
#' **Threads and reproducibility.** The SGD is parallel over fixed blocks of points: each block moves
#' only its own points and reads all other coordinates from a copy taken at the start of the epoch,
#' with two random streams per block and epoch, one for each half of the block's points. The
#' result is therefore identical for the same `seed` whatever `n_threads` is. (umap-learn's
#' `move_other` is realised through the reverse copy of each edge: see
#' `inst/include/nembed/sgd.hpp`.)
#'
#' **Where the step differs from umap-learn's and uwot's.** One edge step (the attraction towards
#' the tail and the negatives' repulsions, up to 7 negatives in a batch of eight lanes) computes
#' every coefficient from the distances at the head's position before the step, in SIMD lanes (AVX
#' where the processor has it, else SSE2 or a portable loop, all with the same result bit for bit).
#' The attraction then moves the head, and the negatives' clipped repulsions, taken at the moved
#' head, are summed and applied together. umap-learn and uwot instead move the head after every
#' term and recompute the next term's distance from there. On Fashion-MNIST 70,000 the lanes made
#' the SGD about 1.2 times cheaper at one thread than the previous step, which applied the moves
#' one by one from coefficients taken before the step, with the same kNN accuracy (0.7796 against
#' 0.7801, mean of 3 seeds) and recall (0.1505 against 0.1513); applying the attraction together
#' with the repulsions as well would have cost 3% of the recall (`bench/results/umap-lanes.md`).
#' Each block's two halves take their due edges in turn, one edge of each: a head's steps form a
#' chain of dependent operations, two heads' steps do not depend on each other, so the processor
#' runs both chains at once. Which edges are processed, and how often, is unchanged; only the
#' order of the heads within an epoch and the random streams differ from one block, one stream.
#'
#' @section Where the defaults differ from uwot's (checked against uwot 0.1.14's `umap()`):
#' * `min_dist = 0.1`, umap-learn's default, where uwot has `min_dist = 0.01`: with uwot's value
#'   the clusters come out tighter.
#' * `pca = TRUE`: data with more than 50 columns are reduced to their first 50 (centred)
#'   principal components before the neighbour search, as uwot does with `pca = 50`. uwot's
#'   default `pca = NULL` searches the neighbours in the full data, which is slower on wide data
#'   and can give other neighbours.
#' * **uwot's behaviour:** `embed_umap(X, min_dist = 0.01, pca = FALSE)`. The other defaults are
#'   uwot's: `n_neighbors = 15` (here `k = 14`), euclidean distances, spectral initialisation, `n_epochs` 500 or
#'   200, `learning_rate = 1`, `negative_sample_rate = 5` (here `n_negatives`).
#' * Seurat's `RunUMAP()` (Seurat 4.3) calls uwot with `n.neighbors = 30`, `min.dist = 0.3` and
#'   the cosine metric. Here: `embed_umap(X, k = 29, min_dist = 0.3)`; nembed's UMAP
#'   measures euclidean distances, which on rows scaled to unit length rank the neighbours as
#'   the cosine distance does (see [nembed_seurat] for Seurat objects).
#'
#' @param X Data (numeric matrix, data frame, `dgCMatrix`, `dist` or precomputed neighbours), a
#'   `nembed_knn` graph, a `nembed_affinities` object (used as it is, e.g. to reuse a graph), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "UMAP")`; see
#'   [nembed_sce]) or a `Seurat` object (stored as `X[["umap"]]`; see [nembed_seurat]).
#' @param k Neighbours per point, not counting the point itself (as in every `embed_*`): the
#'   default 14 is umap-learn's and uwot's `n_neighbors = 15`, which counts the point.
#' @param n_neighbors,negative_sample_rate Deprecated names of `k` (`k = n_neighbors - 1`) and
#'   `n_negatives`: they still work, with a warning of class `nembed_deprecated`.
#' @param min_dist,spread Shape of the low-dimensional similarity, through the fitted `a` and `b`
#'   (see [umap_ab_params()]).
#' @param n_epochs Number of epochs; `NULL` for 500 with up to 10,000 points and 200 above.
#' @param n_negatives Negative samples per positive step (umap-learn's `negative_sample_rate`).
#' @param learning_rate Initial learning rate.
#' @param init `"spectral"`, `"pca"`, `"random"` or an n x `n_components` matrix.
#' @param a,b The similarity's parameters; `NULL` (both) fits them from `min_dist` and `spread`.
#' @param pca Reduce data with more than 50 columns to 50 principal components first (uwot's
#'   default is not to; see the section on uwot).
#' @param n_components Embedding dimensions.
#' @param n_threads Number of threads; see [default_threads()].
#' @param seed Seed (`NULL` draws one from R's random number generator, so [set.seed()] applies).
#' @param verbose Print progress messages (about every 10% of the epochs).
#' @param ... For a `SingleCellExperiment` `X`, the arguments of [nembed_sce] (`dimred`,
#'   `n_dimred`, `assay.type`, `name`, ...); for a `Seurat` object those of [nembed_seurat]
#'   (`reduction`, `dims`, `reduction.name`, ...); otherwise none.
#' @return A `nembed_embedding` data frame (see [nembed_embedding]); its record holds the
#'   parameters (including `a`, `b` and `n_epochs`), the initialisation used, timings per phase,
#'   the affinities for reuse and, when made from data, the reference data [embed_transform()]
#'   needs to place new points.
#' @seealso [embed_contrastive()] for UMAP's loss on the contrastive spectrum, [umap_ab_params()],
#'   [embed_transform()] to add new points.
#' @section Valid ranges: `r range_section("embed_umap")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_umap(X, n_epochs = 100, n_threads = 1, seed = 1)
#' plot(emb, color = iris$Species[!duplicated(iris[, 1:4])])
embed_umap <- function(X, ...) UseMethod("embed_umap")

#' @rdname embed_umap
#' @export
embed_umap.default <- function(X, k = 14, min_dist = 0.1, spread = 1, n_epochs = NULL,
                               n_negatives = 5, learning_rate = 1, init = "spectral",
                               a = NULL, b = NULL, pca = TRUE, n_components = 2, n_threads = NULL,
                               seed = NULL, verbose = FALSE, ..., n_neighbors = NULL,
                               negative_sample_rate = NULL) {
  reject_dots("embed_umap", ...)
  # Renamed for the family contract (one name, one meaning across embed_*): UMAP's n_neighbors
  # counts the point itself, k does not.
  if (!is.null(n_neighbors)) {
    k <- check_count(renamed_arg(n_neighbors, "n_neighbors", "k = n_neighbors - 1", "embed_umap"),
                     "n_neighbors", lower = 2) - 1L
  }
  if (!is.null(negative_sample_rate)) {
    n_negatives <- renamed_arg(negative_sample_rate, "negative_sample_rate", "n_negatives",
                               "embed_umap")
  }
  k <- check_count(k, "k", lower = 1)
  spread <- check_number(spread, "spread", lower = 0, lower_open = TRUE)
  min_dist <- check_number(min_dist, "min_dist", lower = 0)
  if (min_dist > spread) {
    nembed_abort(sprintf("`min_dist` (%s) must not exceed `spread` (%s).", format(min_dist),
                         format(spread)), "value", "min_dist")
  }
  n_epochs <- check_count(n_epochs, "n_epochs", allow_null = TRUE)
  n_negatives <- check_number(n_negatives, "n_negatives", lower = 0, upper = 1e4)
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE,
                                upper = 1e6)
  n_components <- check_count(n_components, "n_components")
  if (is.null(a) != is.null(b)) {
    nembed_abort("Give both `a` and `b`, or neither (to fit them from `min_dist` and `spread`).",
                 "value", if (is.null(a)) "a" else "b")
  }
  check_init_arg(init)
  ctx <- nembed_context(n_threads, seed, verbose)

  prep <- prepare_embedding_input(X, k = k, ctx, pca = pca)
  n <- prep$n
  check_components(n_components, n)
  ab <- if (is.null(a)) umap_ab_params(spread = spread, min_dist = min_dist) else check_umap_ab(a, b)
  a <- ab[["a"]]
  b <- ab[["b"]]
  if (is.null(n_epochs)) n_epochs <- if (n <= 10000) 500L else 200L
  run_embedding(ctx, "umap", prep,
    graph = function(prep) {
      prep$affinities %||% affinities(prep$knn, method = "umap", k = min(k, prep$knn$k),
                                      n_threads = ctx$n_threads, verbose = ctx$verbose)
    },
    init = function(prep, aff) init_layout(init, ctx, aff$P, prep$data, n, n_components, "max10"),
    optimise = function(prep, aff, Y0) {
      tsmessage("UMAP: ", n_epochs, " epochs, a = ", signif(a, 4), ", b = ", signif(b, 4),
                verbose = ctx$verbose)
      P <- as_weight_matrix(aff$P, "X")
      ini <- list(Y = Y0)
      negative_sample_rate <- n_negatives
      seed <- ctx$seed
      n_threads <- ctx$n_threads
      verbose <- ctx$verbose
      Y <- core_call(umap_sgd_cpp(ini$Y, P, list(
        n_epochs = n_epochs, a = a, b = b, gamma = 1, negative_rate = negative_sample_rate,
        learning_rate = learning_rate, seed = seed, n_threads = n_threads,
        verbose = verbose)))
      list(Y = Y, params = list(k = k, min_dist = min_dist, spread = spread, a = a, b = b,
                                n_epochs = n_epochs, n_negatives = n_negatives,
                                learning_rate = learning_rate, n_components = n_components),
           extra = list(affinities = aff, reference = prep$reference))
    })
}

#' Fit UMAP's a and b
#'
#' Fits `a` and `b` of UMAP's low-dimensional similarity `1 / (1 + a x^(2b))` by nonlinear least
#' squares ([stats::nls()], started at `a = b = 1`) to the curve that is 1 below `min_dist` and
#' `exp(-(x - min_dist) / spread)` above, on 300 points of \[0, 3 spread\], as umap-learn and uwot
#' do. For `min_dist = 0.1` and `spread = 1` this gives `a = 1.577`, `b = 0.895`.
#'
#' @param spread,min_dist See [embed_umap()].
#' @return A named numeric vector `c(a = , b = )`.
#' @section Valid ranges: `r range_section("umap_ab_params")`
#' @export
#' @examples
#' umap_ab_params(spread = 1, min_dist = 0.1)
umap_ab_params <- function(spread = 1, min_dist = 0.1) {
  spread <- check_number(spread, "spread", lower = 0, lower_open = TRUE)
  min_dist <- check_number(min_dist, "min_dist", lower = 0)
  xv <- seq(0, 3 * spread, length.out = 300)
  yv <- ifelse(xv < min_dist, 1, exp(-(xv - min_dist) / spread))
  fit <- tryCatch(
    stats::coef(stats::nls(yv ~ 1 / (1 + a * xv^(2 * b)), start = list(a = 1, b = 1))),
    error = function(e) NULL)
  if (is.null(fit)) {
    # nls can fail for extreme shapes; a direct least-squares fit on log scale is robust.
    obj <- function(p) sum((yv - 1 / (1 + exp(p[1]) * xv^(2 * exp(p[2]))))^2)
    o <- stats::optim(c(0, 0), obj, method = "BFGS")
    fit <- c(a = exp(o$par[1]), b = exp(o$par[2]))
  }
  c(a = unname(fit[1]), b = unname(fit[2]))
}
