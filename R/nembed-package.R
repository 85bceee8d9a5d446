#' nembed: fast neighbour embeddings and the geometry around them
#'
#' kNN graphs and affinities ([knn_graph()], [affinities()]), quality measures
#' ([knn_accuracy()], [knn_recall()], [distance_correlation()]) and the data helpers
#' ([load_fashion_mnist()], [pca()]) that the embedding functions stand on.
#'
#' Threads: every multi-threaded function takes `n_threads` (see [default_threads()]).
#' Randomness: functions take `seed`; with `seed = NULL` a seed is drawn from R's RNG, so
#' [set.seed()] is honoured.
#'
#' @keywords internal
#' @useDynLib nembed, .registration = TRUE
#' @importFrom Rcpp evalCpp
#' @importFrom RcppParallel RcppParallelLibs
#' @importFrom methods new as
#' @importClassesFrom Matrix dgCMatrix
"_PACKAGE"
