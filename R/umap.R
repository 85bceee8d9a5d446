# UMAP (McInnes, Healy & Melville 2018) on nembed's graph layer and edge-sampling SGD.

#' UMAP embedding
#'
#' Uniform manifold approximation and projection, as in umap-learn and uwot: UMAP's fuzzy
#' affinities on the `n_neighbors`-nearest-neighbour graph ([affinities()] with
#' `method = "umap"`), the low-dimensional similarity `1 / (1 + a d^(2b))` with `a` and `b` fitted
#' to `min_dist` and `spread`, spectral initialisation, and stochastic gradient descent over the
#' graph's edges, each sampled in proportion to its weight, with `negative_sample_rate` uniformly
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
#' **Threads and reproducibility.** The SGD is parallel over fixed blocks of points: each block moves
#' only its own points and reads all other coordinates from a copy taken at the start of the epoch,
#' with one random stream per block and epoch. The result is therefore identical for the same
#' `seed` whatever `n_threads` is. (umap-learn's `move_other` is realised through the reverse copy
#' of each edge: see `inst/include/nembed/sgd.hpp`.)
#'
#' @section Where the defaults differ from uwot's (checked against uwot 0.1.14's `umap()`):
#' * `min_dist = 0.1`, umap-learn's default, where uwot has `min_dist = 0.01`: with uwot's value
#'   the clusters come out tighter.
#' * `pca = TRUE`: data with more than 50 columns are reduced to their first 50 (centred)
#'   principal components before the neighbour search, as uwot does with `pca = 50`. uwot's
#'   default `pca = NULL` searches the neighbours in the full data, which is slower on wide data
#'   and can give other neighbours.
#' * **uwot's behaviour:** `embed_umap(X, min_dist = 0.01, pca = FALSE)`. The other defaults are
#'   uwot's: `n_neighbors = 15`, euclidean distances, spectral initialisation, `n_epochs` 500 or
#'   200, `learning_rate = 1`, `negative_sample_rate = 5`.
#' * Seurat's `RunUMAP()` (Seurat 4.3) calls uwot with `n.neighbors = 30`, `min.dist = 0.3` and
#'   the cosine metric. Here: `embed_umap(X, n_neighbors = 30, min_dist = 0.3)`; nembed's UMAP
#'   measures euclidean distances, which on rows scaled to unit length rank the neighbours as
#'   the cosine distance does (see [nembed_seurat] for Seurat objects).
#'
#' @param X Data (numeric matrix, data frame, `dgCMatrix`, `dist` or precomputed neighbours), a
#'   `nembed_knn` graph, a `nembed_affinities` object (used as it is, e.g. to reuse a graph), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "UMAP")`; see
#'   [nembed_sce]) or a `Seurat` object (stored as `X[["umap"]]`; see [nembed_seurat]).
#' @param n_neighbors Neighbourhood size, counting the point itself as UMAP does (so the kNN graph
#'   has `n_neighbors - 1` neighbours per point).
#' @param min_dist,spread Shape of the low-dimensional similarity, through the fitted `a` and `b`
#'   (see [umap_ab_params()]).
#' @param n_epochs Number of epochs; `NULL` for 500 with up to 10,000 points and 200 above.
#' @param negative_sample_rate Negative samples per positive step.
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
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_umap(X, n_epochs = 100, n_threads = 1, seed = 1)
#' plot(emb, color = iris$Species[!duplicated(iris[, 1:4])])
embed_umap <- function(X, ...) UseMethod("embed_umap")

#' @rdname embed_umap
#' @export
embed_umap.default <- function(X, n_neighbors = 15, min_dist = 0.1, spread = 1, n_epochs = NULL,
                               negative_sample_rate = 5, learning_rate = 1, init = "spectral",
                               a = NULL, b = NULL, pca = TRUE, n_components = 2, n_threads = NULL,
                               seed = NULL, verbose = FALSE, ...) {
  reject_dots("embed_umap", ...)
  t_start <- proc.time()[["elapsed"]]
  n_threads <- default_threads(n_threads)
  check_flag(verbose, "verbose")
  n_neighbors <- check_count(n_neighbors, "n_neighbors", lower = 2)
  spread <- check_number(spread, "spread", lower = 0, lower_open = TRUE)
  min_dist <- check_number(min_dist, "min_dist", lower = 0)
  if (min_dist > spread) {
    nembed_abort(sprintf("`min_dist` (%s) must not exceed `spread` (%s).", format(min_dist),
                         format(spread)), "value", "min_dist")
  }
  n_epochs <- check_count(n_epochs, "n_epochs", allow_null = TRUE)
  negative_sample_rate <- check_number(negative_sample_rate, "negative_sample_rate", lower = 0,
                                       upper = 1e4)
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE,
                                upper = 1e6)
  n_components <- check_count(n_components, "n_components")
  if (is.null(a) != is.null(b)) {
    nembed_abort("Give both `a` and `b`, or neither (to fit them from `min_dist` and `spread`).",
                 "value", if (is.null(a)) "a" else "b")
  }
  check_init_arg(init)
  seed <- resolve_seed(seed)

  if (is.matrix(X) && is.double(X) && nrow(X) > 20000 && ncol(X) <= 50 &&
      n_neighbors - 1L < nrow(X)) {
    # Large dense input that needs no PCA: approximate kNN with a lighter HNSW build
    # (ef_construction 64 instead of 200 halves the build on Fashion-MNIST 70,000 x 50 and agrees
    # on 99.5% of the 14 neighbours), which UMAP's fuzzy affinities do not notice.
    t0 <- proc.time()[["elapsed"]]
    g <- knn_graph(X, k = n_neighbors - 1L, method = "hnsw", ef_construction = 64,
                   n_threads = n_threads, seed = seed, verbose = verbose)
    prep <- prepare_embedding_input(g, k = n_neighbors - 1L)
    prep$data <- X
    prep$reference <- reference_model(X, "euclidean")
    prep$row_names <- rownames(X)
    prep$timings$knn <- proc.time()[["elapsed"]] - t0
  } else {
    prep <- prepare_embedding_input(X, k = n_neighbors - 1L, pca = pca, n_threads = n_threads,
                                    seed = seed, verbose = verbose)
  }
  n <- prep$n
  check_components(n_components, n)
  timings <- prep$timings
  aff <- prep$affinities
  if (is.null(aff)) {
    t0 <- proc.time()[["elapsed"]]
    aff <- affinities(prep$knn, method = "umap", k = min(n_neighbors - 1L, prep$knn$k),
                      n_threads = n_threads, verbose = verbose)
    timings$affinities <- proc.time()[["elapsed"]] - t0
  }
  if (is.null(a)) {
    ab <- umap_ab_params(spread = spread, min_dist = min_dist)
    a <- ab[["a"]]
    b <- ab[["b"]]
  } else {
    ab <- check_umap_ab(a, b)
    a <- ab[["a"]]
    b <- ab[["b"]]
  }
  if (is.null(n_epochs)) n_epochs <- if (n <= 10000) 500L else 200L

  t0 <- proc.time()[["elapsed"]]
  ini <- initial_layout(init, aff$P, prep$data, n, n_components, seed, n_threads, scale = "max10",
                        verbose = verbose)
  timings$init <- proc.time()[["elapsed"]] - t0

  t0 <- proc.time()[["elapsed"]]
  tsmessage("UMAP: ", n_epochs, " epochs, a = ", signif(a, 4), ", b = ", signif(b, 4),
            verbose = verbose)
  P <- as_weight_matrix(aff$P, "X")
  Y <- umap_sgd_cpp(ini$Y, P, list(
    n_epochs = n_epochs, a = a, b = b, gamma = 1, negative_rate = negative_sample_rate,
    learning_rate = learning_rate, seed = seed %% 2^53, n_threads = n_threads, verbose = verbose))
  timings$optimize <- proc.time()[["elapsed"]] - t0
  timings$total <- proc.time()[["elapsed"]] - t_start
  record <- list(method = "umap",
                 params = list(n_neighbors = n_neighbors, min_dist = min_dist, spread = spread,
                               a = a, b = b, n_epochs = n_epochs,
                               negative_sample_rate = negative_sample_rate,
                               learning_rate = learning_rate, n_components = n_components,
                               seed = seed, n_threads = n_threads),
                 init = ini$method, timings = timings, affinities = aff,
                 reference = prep$reference)
  new_embedding(Y, record, prep$row_names)
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

# ---- initialisation shared by embed_umap, embed_contrastive and embed_fa2

check_init_arg <- function(init, choices = c("spectral", "pca", "random")) {
  if (is.matrix(init) || is.data.frame(init)) return(invisible(init))
  check_choice(init, choices, "init")
}

# Returns list(Y, method). scale: "max10" (UMAP: max |coordinate| 10), "sd1" (CNE: sd of the first
# coordinate 1), or a number (sd of the first coordinate).
initial_layout <- function(init, P, data, n, n_components, seed, n_threads, scale = "max10",
                           verbose = FALSE) {
  rescale <- function(Y) {
    if (identical(scale, "max10")) return(10 * Y / max(abs(Y)))
    target <- if (identical(scale, "sd1")) 1 else scale
    Y * target / stats::sd(Y[, 1])
  }
  rseed <- seed %% .Machine$integer.max
  random_init <- function() with_seed(rseed, matrix(stats::runif(n * n_components, -10, 10), n))
  pca_init <- function() {
    if (is.null(data)) return(NULL)
    Z <- pca(data, n_components = n_components)
    if (ncol(Z) < n_components) return(NULL)
    Y <- unclass(Z)[, seq_len(n_components), drop = FALSE]
    attributes(Y) <- list(dim = dim(Y))
    # Data without variance along a component (e.g. duplicated points only) would start every
    # point on a line or a single spot, where the gradient along the flat axis is exactly zero.
    spans <- apply(Y, 2, function(v) diff(range(v)))
    if (!all(is.finite(Y)) || any(spans <= 1e-12 * max(spans, 1e-300))) {
      tsmessage("the data have no spread along ", n_components, " principal components; using a random initialisation",
                verbose = verbose)
      return(NULL)
    }
    rescale(Y)
  }
  if (is.matrix(init) || is.data.frame(init)) {
    Y <- as_data_matrix(init, "init")
    if (nrow(Y) != n || ncol(Y) != n_components) {
      nembed_abort(sprintf("`init` must be a %d x %d matrix; it is %d x %d.", n, n_components,
                           nrow(Y), ncol(Y)), "size", "init")
    }
    attributes(Y) <- list(dim = dim(Y))
    check_not_collapsed(Y, "init", "the embedding")
    return(list(Y = Y, method = "user"))
  }
  if (init == "spectral") {
    Y <- spectral_layout(P, n_components, seed, n_threads,
                         fallback = if (is.null(data)) "a random initialisation" else "PCA",
                         verbose = verbose)
    if (!is.null(Y)) {
      Y <- unclass(Y)
      attributes(Y) <- list(dim = dim(Y))
      Y <- rescale(Y)
      Y <- Y + with_seed(rseed, matrix(stats::rnorm(length(Y), sd = 1e-4), nrow(Y)))
      return(list(Y = Y, method = "spectral"))
    }
    Y <- pca_init()
    if (!is.null(Y)) return(list(Y = Y, method = "pca (spectral fallback)"))
    return(list(Y = random_init(), method = "random (spectral fallback)"))
  }
  if (init == "pca") {
    Y <- pca_init()
    if (!is.null(Y)) return(list(Y = Y, method = "pca"))
    if (is.null(data)) message("PCA initialisation needs the data, not only a graph; using a random initialisation.")
  }
  list(Y = rescale(random_init()), method = "random")
}
