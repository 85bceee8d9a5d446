#' Place new points into an existing embedding
#'
#' Embeds new points into a t-SNE embedding without moving the reference points (as openTSNE's
#' `transform`): the new points are brought into the reference's input space (the same PCA
#' projection), get perplexity-calibrated affinities to their `k` nearest reference points (exact
#' search), start at the coordinate-wise median of their `init_k` nearest reference points, and are
#' then optimised alone: attracted by their reference neighbours and repelled by all reference
#' points (Barnes-Hut over the fixed reference). New points do not influence each other.
#'
#' What is stored for this: every embedding made by [embed_tsne()] from data keeps, in its record,
#' the reference points after PCA (`n x 50` doubles, e.g. 28 MB for 70,000 points) and the PCA
#' rotation and centre, besides the affinities. All are plain R objects (no external pointers), so
#' an embedding saved with [saveRDS()] and read in a new R session can transform new data.
#' Embeddings made from a graph, affinities or a `dist` object have no reference coordinates and
#' cannot transform new data.
#'
#' @param embedding A `nembed_embedding` from [embed_tsne()] (made from data).
#' @param X_new New data with the same columns as the data the embedding was made from.
#' @param perplexity Perplexity of the new points' affinities (openTSNE uses 5 here: new points
#'   should attach to their closest reference points).
#' @param k Reference neighbours per new point; default `3 * perplexity`.
#' @param init_k Neighbours whose median position initialises a new point.
#' @param n_iter Optimisation iterations (0 keeps the median initialisation).
#' @param learning_rate,momentum,max_step_norm Optimiser settings.
#' @param n_threads,verbose See [embed_tsne()].
#' @return A `nembed_embedding` of the new points (one row per row of `X_new`).
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' train <- seq(1, nrow(X), by = 2)
#' emb <- embed_tsne(X[train, ], perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
#' new <- embed_transform(emb, X[-train, ], n_threads = 1)
#' head(new)
embed_transform <- function(embedding, X_new, perplexity = 5, k = NULL, init_k = 10,
                            n_iter = 250, learning_rate = 1, momentum = 0.8, max_step_norm = 1,
                            n_threads = NULL, verbose = FALSE) {
  t_start <- proc.time()[["elapsed"]]
  rec <- embedding_record(embedding)
  if (!identical(rec$method, "tsne")) {
    nembed_abort(sprintf("`embedding` must come from embed_tsne(); embed_transform() does not support \"%s\" embeddings.",
                         rec$method %||% "unknown"), "type", "embedding")
  }
  ref <- rec$reference
  if (is.null(ref)) {
    nembed_abort("`embedding` has no reference data (it was made from a graph, affinities or distances); embed from a data matrix to place new points.",
                 "value", "embedding")
  }
  X_new <- as_data_matrix(X_new, "X_new", min_rows = 1L)
  if (ncol(X_new) != ref$n_input_cols) {
    nembed_abort(sprintf("`X_new` must have %d columns like the reference data; it has %d.",
                         ref$n_input_cols, ncol(X_new)), "size", "X_new")
  }
  n_threads <- default_threads(n_threads)
  n_ref <- nrow(ref$data)
  perplexity <- check_number(perplexity, "perplexity", lower = 1, lower_open = TRUE)
  k <- check_k(k %||% min(n_ref - 1, floor(3 * perplexity)), n_ref + 1)
  if (perplexity >= k) {
    nembed_abort(sprintf("`perplexity` = %s needs more than k = %d neighbours.", format(perplexity), k),
                 "size", "perplexity")
  }
  init_k <- check_count(init_k, "init_k", lower = 1, upper = n_ref)
  n_iter <- check_count(n_iter, "n_iter", lower = 0)
  Xq <- if (!is.null(ref$pca)) sweep(X_new, 2, ref$pca$center) %*% ref$pca$rotation else X_new
  storage.mode(Xq) <- "double"
  t0 <- proc.time()[["elapsed"]]
  nn <- knn_query_cpp(ref$data, Xq, max(k, init_k), ref$metric, n_threads, verbose)
  t_knn <- proc.time()[["elapsed"]] - t0
  Yref <- unname(as.matrix(embedding))
  # Median of the nearest reference points' positions, per coordinate.
  Y0 <- vapply(seq_len(ncol(Yref)), function(c) {
    m <- matrix(Yref[nn$idx[, seq_len(init_k), drop = FALSE], c], nrow = nrow(Xq))
    apply(m, 1, stats::median)
  }, numeric(nrow(Xq)))
  Y0 <- matrix(Y0, nrow = nrow(Xq))
  Y <- Y0
  if (n_iter > 0) {
    idx <- nn$idx[, seq_len(k), drop = FALSE]
    P <- perplexity_conditional_cpp(nn$dist[, seq_len(k), drop = FALSE], perplexity, n_threads)
    params <- list(n_iter = n_iter,
                   learning_rate = check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE),
                   momentum = check_number(momentum, "momentum", 0, 1, upper_open = TRUE),
                   dof = rec$params$dof, theta = 0.5,
                   max_step_norm = check_number(max_step_norm, "max_step_norm", lower = 0))
    Y <- tsne_transform_cpp(Yref, idx, P, Y0, params, n_threads, check_flag(verbose, "verbose"))
  }
  record <- list(method = "tsne_transform", params = list(perplexity = perplexity, k = k,
                                                          init_k = init_k, n_iter = n_iter),
                 timings = list(knn = t_knn, total = proc.time()[["elapsed"]] - t_start),
                 init = Y0)
  new_embedding(Y, record, row_names = rownames(X_new))
}
