# Quality measures of an embedding (../shared/DESIGN.md section 5). All exact.

# Coordinates of an embedding as a numeric matrix: a nembed_embedding (columns x, y, z), a data
# frame or a matrix.
embedding_coords <- function(embedding, arg = "embedding") {
  if (is.data.frame(embedding)) {
    cols <- intersect(c("x", "y", "z"), names(embedding))
    if (length(cols) == 0L) cols <- names(embedding)[vapply(embedding, is.numeric, logical(1))]
    embedding <- embedding[, cols, drop = FALSE]
  }
  as_data_matrix(embedding, arg)
}

exact_neighbours <- function(X, k, n_threads, arg) {
  if (inherits(X, "nembed_knn")) return(truncate_knn(X, k)$idx)
  X <- as_data_matrix(X, arg)
  k <- check_k(k, nrow(X))
  core_call(knn_dense_cpp(X, list(k = k, method = "exact", metric = "euclidean", n_threads = n_threads)))$idx
}

#' kNN classification accuracy of an embedding
#'
#' The share of points whose `k` nearest neighbours in the embedding (the point itself excluded)
#' vote, by majority, for the point's own label. Ties between labels go to the label whose nearest
#' representative comes first. The field's standard measure of class separation.
#'
#' @param embedding An embedding: a `nembed_embedding`, a data frame or a numeric matrix.
#' @param labels Labels, one per point.
#' @param k Number of neighbours.
#' @param n_threads See [default_threads()].
#' @return A number between 0 and 1.
#' @section Valid ranges: `r range_section("knn_accuracy")`
#' @export
#' @examples
#' knn_accuracy(as.matrix(iris[, 1:2]), iris$Species, k = 10, n_threads = 1)
knn_accuracy <- function(embedding, labels, k = 10, n_threads = NULL) {
  Y <- embedding_coords(embedding)
  lab <- check_labels(labels, nrow(Y), "labels")
  n_threads <- default_threads(n_threads)
  idx <- exact_neighbours(Y, k, n_threads, "embedding")
  mean(majority_vote(matrix(lab[idx], nrow = nrow(idx)), max(lab)) == lab)
}

# Row-wise majority vote over integer labels 1..L; ties to the label seen first (nearest).
majority_vote <- function(nb_labels, L) {
  k <- ncol(nb_labels)
  best <- rep(-1, nrow(nb_labels))
  winner <- integer(nrow(nb_labels))
  for (l in seq_len(L)) {
    hit <- nb_labels == l
    cnt <- rowSums(hit)
    first <- max.col(cbind(hit, TRUE), ties.method = "first")
    score <- cnt + ifelse(cnt > 0, (k + 1 - first) / (k + 2), 0)
    better <- score > best
    best[better] <- score[better]
    winner[better] <- l
  }
  winner
}

#' kNN recall of an embedding
#'
#' The mean share of each point's `k` nearest neighbours in the input space that are also among
#' its `k` nearest neighbours in the embedding (exact search in both).
#'
#' @param X The input data the embedding was made from (after PCA, if one was used), or a
#'   `nembed_knn` graph of it with at least `k` neighbours.
#' @inheritParams knn_accuracy
#' @return A number between 0 and 1.
#' @section Valid ranges: `r range_section("knn_recall")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' knn_recall(X, X[, 1:2], k = 10, n_threads = 1)
knn_recall <- function(X, embedding, k = 10, n_threads = NULL) {
  Y <- embedding_coords(embedding)
  n_threads <- default_threads(n_threads)
  if (inherits(X, "nembed_knn")) X <- validate_knn(X, "X")
  n <- if (inherits(X, "nembed_knn")) X$n else n_points(X, "X")
  if (n != nrow(Y)) {
    nembed_abort(sprintf("`X` has %d points but `embedding` has %d.", n, nrow(Y)), "size",
                 "embedding")
  }
  hi <- exact_neighbours(X, k, n_threads, "X")
  lo <- exact_neighbours(Y, k, n_threads, "embedding")
  shared <- 0
  for (j in seq_len(k)) shared <- shared + rowSums(lo == hi[, j])
  mean(shared) / k
}

#' Distance correlation between input and embedding
#'
#' Spearman correlation between input-space and embedding distances (Euclidean) over `n_pairs`
#' random pairs of distinct points: a measure of global structure.
#'
#' @inheritParams knn_recall
#' @param n_pairs Number of random pairs.
#' @param seed Seed for drawing the pairs.
#' @return A number between -1 and 1.
#' @section Valid ranges: `r range_section("distance_correlation")`
#' @export
#' @examples
#' X <- as.matrix(iris[, 1:4])
#' distance_correlation(X, prcomp(X)$x[, 1:2], n_pairs = 2000)
distance_correlation <- function(X, embedding, n_pairs = 10000, seed = 1) {
  Y <- embedding_coords(embedding)
  X <- as_data_matrix(X, "X")
  if (nrow(X) != nrow(Y)) {
    nembed_abort(sprintf("`X` has %d points but `embedding` has %d.", nrow(X), nrow(Y)), "size",
                 "embedding")
  }
  n_pairs <- check_count(n_pairs, "n_pairs", lower = 3, upper = 1e7)
  seed <- check_count(seed, "seed", lower = 0, upper = .Machine$integer.max)
  n <- nrow(X)
  pairs <- with_seed(seed, {
    i <- sample.int(n, n_pairs, replace = TRUE)
    j <- sample.int(n - 1L, n_pairs, replace = TRUE)
    cbind(i, j + (j >= i))
  })
  dx <- sqrt(rowSums((X[pairs[, 1], , drop = FALSE] - X[pairs[, 2], , drop = FALSE])^2))
  dy <- sqrt(rowSums((Y[pairs[, 1], , drop = FALSE] - Y[pairs[, 2], , drop = FALSE])^2))
  # A constant set of distances has no rank correlation: an error, not NA.
  for (v in list(list(dx, "X"), list(dy, "embedding"))) {
    if (all(v[[1]] == v[[1]][1])) {
      nembed_abort(sprintf("All sampled distances in `%s` are equal (identical points, or two points only): their correlation is undefined.",
                           v[[2]]), "value", v[[2]])
    }
  }
  stats::cor(dx, dy, method = "spearman")
}

