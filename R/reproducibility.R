#' Reproducibility and threads
#'
#' One policy holds across nembed.
#'
#' @section Seeds:
#' Every function that uses randomness (approximate neighbours, random initialisation, negative
#' sampling, random pairs for [distance_correlation()], irlba's random start in [pca()]) takes a
#' `seed` argument. With a whole number, the result depends only on that seed (and, where stated
#' below, on `n_threads`), not on R's random number generator, which nembed then leaves
#' untouched. With `seed = NULL` (the default of the embedding functions), one seed is drawn
#' from R's generator on the main thread, so `set.seed()` before the call makes it reproducible
#' too, and R's generator moves on (by the one draw). Compiled code never calls R's generator, nor
#' `rand()`: each unit of work (a block of points, an epoch, a point) draws from its own generator
#' (xoshiro256+) derived from the seed and the unit's index, so the random numbers do not depend
#' on which thread runs that unit.
#'
#' @section Threads:
#' Every multi-threaded function takes `n_threads`. `NULL` means [default_threads()]:
#' RcppParallel's default (the cores it may use), capped at 2 when the environment variable
#' `_R_CHECK_LIMIT_CORES_` is set, as `R CMD check --as-cran` does, so checks never use more
#' than two cores. Examples, tests and vignettes pin `n_threads` to 1 or 2.
#'
#' @section Bit-identical across thread counts:
#' * exact k-nearest neighbours ([knn_graph()] with `method = "exact"`, and the kNN inside
#'   [knn_accuracy()] and [knn_recall()]): each point's neighbours are computed independently,
#'   in the same order of operations whatever the thread count;
#' * affinities ([affinities()]: perplexity calibration, uniform and UMAP weights,
#'   symmetrisation): per-point work and fixed-order merges;
#' * [pca()] and [embed_pca()] (single-threaded; deterministic for a seed);
#' * t-SNE (`embed_tsne()`): sums over points are reduced in fixed blocks
#'   whose boundaries do not depend on the number of threads, then added in block order, so the
#'   same seed gives the same embedding with 1 or 2 threads.
#'
#' * HNSW ([knn_graph()] with `method = "hnsw"`, the default above 20,000 points): the index is
#'   built in fixed batches of 256 points with a seeded level generator: each batch searches the
#'   index as it stood before it, in parallel, then links its points in insertion order
#'   (hnswlib's concurrent build links points in whatever order the threads reach them, which
#'   differs from run to run). The queries only read the index. So the graph is the same for a
#'   seed whatever the thread count; see the "HNSW build" section of [knn_graph()].
#'
#' @section Reproducible for a fixed thread count:
#' * Stochastic-gradient methods (UMAP, the contrastive family, ForceAtlas2 where sampled):
#'   reproducibility conditions are stated on each function's help page; as a rule, the same
#'   seed and `n_threads` give the same result.
#'
#' @section SingleCellExperiment:
#' The run record stored with a reduced dimension (see [nembed_sce]) keeps the parameters,
#' including the seed actually used, so a run can be repeated.
#'
#' @name nembed_reproducibility
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' g1 <- knn_graph(X, k = 10, n_threads = 1)
#' g2 <- knn_graph(X, k = 10, n_threads = 2)
#' identical(g1$idx, g2$idx)
#' # set.seed() is honoured when seed = NULL:
#' set.seed(42); a <- knn_graph(X, k = 10, method = "hnsw", n_threads = 1)
#' set.seed(42); b <- knn_graph(X, k = 10, method = "hnsw", n_threads = 1)
#' identical(a$idx, b$idx)
NULL
