#' Place new points into an existing embedding
#'
#' Embeds new points into a finished embedding without moving its (reference) points. The new
#' points are brought into the reference's input space (the same PCA projection), find their
#' nearest reference points (see `knn_method`), start from a position given by those neighbours and
#' are then optimised alone against the fixed reference, with the loss the embedding was made
#' with. New points do not influence each other.
#'
#' * **t-SNE** ([embed_tsne()], as openTSNE's `transform`): perplexity-calibrated affinities to the
#'   `k` nearest reference points, start at the coordinate-wise median of the `init_k` nearest,
#'   then `n_iter` gradient steps: attraction by the reference neighbours, repulsion by all
#'   reference points (Barnes-Hut over the fixed reference).
#' * **UMAP** ([embed_umap()], as uwot's and umap-learn's `transform`): UMAP's fuzzy memberships
#'   `exp(-max(0, d - rho) / sigma)` to the embedding's `k` nearest reference points, calibrated
#'   as in the embedding (the new point counted among its own neighbours; not symmetrised),
#'   start at the membership-weighted mean of those neighbours' positions (uwot's
#'   `init = "weighted"`), then the edge-sampling SGD of [embed_umap()] with the embedding's `a`,
#'   `b` and `n_negatives`: each edge from a new point to a reference neighbour is
#'   sampled in proportion to its membership and pulls the new point only, and the negatives are
#'   drawn from the reference points. As in uwot and umap-learn, `n_epochs` defaults to a third of
#'   the embedding's epochs and the learning rate to a quarter of its learning rate.
#' * **Contrastive embeddings** ([embed_contrastive()]): the embedding's mini-batch SGD with its
#'   loss (`"neg"` and `"nce"` with the embedding's final normalisation constant `c`, NCE's learnt
#'   one now held fixed; `"infonce"` with its exaggeration; `"umap"` with `a = b = 1`), batch size
#'   and number of negatives. The pairs are the binary edges from each new point to its `k`
#'   nearest reference points (start at their mean); every epoch they are shuffled and cut into
#'   batches; each batch draws its negatives from a pool of reference points sampled in proportion
#'   to their degree in the embedding's graph (as the embedding's batches are); each new point's
#'   summed gradient is clipped to \[-4, 4\] and applied at the learning rate
#'   `learning_rate (1 - epoch / n_epochs)`. Only the new points move.
#'
#' The UMAP SGD runs over fixed blocks of new points with one random stream per block and epoch;
#' the contrastive one draws its shuffle, negatives and pools on the calling thread and adds the
#' pairs' gradients in pair order. Either way the result is identical for a given `seed` whatever
#' `n_threads` is; the
#' default seed is the embedding's own, so transforming the same points twice gives the same
#' coordinates, in this R session or another. The t-SNE transform has no randomness.
#'
#' What is stored for this: every embedding made by [embed_tsne()], [embed_umap()] or
#' [embed_contrastive()] from data keeps, in its record, the reference points after PCA
#' (`n x 50` doubles, e.g. 28 MB for 70,000 points) and the PCA rotation and centre. All are plain
#' R objects (no external pointers), so an embedding saved with [saveRDS()] and read in a new R
#' session can transform new data. Embeddings made from a graph, affinities or a `dist` object
#' have no reference coordinates and cannot transform new data.
#'
#' @param embedding A `nembed_embedding` from [embed_tsne()], [embed_umap()],
#'   [embed_contrastive()] (made from data) or [embed_parametric()], or a `SingleCellExperiment` /
#'   `Seurat` object holding one (see `name`).
#' @param X_new New data with the same columns as the data the embedding was made from.
#' @param perplexity t-SNE: perplexity of the new points' affinities (openTSNE uses 5 here: new
#'   points should attach to their closest reference points).
#' @param k Reference neighbours per new point; default `3 * perplexity` (t-SNE),
#'   or the embedding's `k` (UMAP, contrastive).
#' @param init_k t-SNE: neighbours whose median position initialises a new point.
#' @param n_iter t-SNE: optimisation iterations (0 keeps the median initialisation).
#' @param learning_rate Learning rate; `NULL` for 1 (t-SNE) or a quarter of the embedding's
#'   (UMAP, contrastive).
#' @param momentum,max_step_norm t-SNE optimiser settings.
#' @param n_threads,verbose See [embed_tsne()].
#' @param n_epochs UMAP, contrastive: SGD epochs (0 keeps the initialisation); `NULL` for a third
#'   of the embedding's epochs.
#' @param knn_method How the new points find their nearest reference points: `"exact"` (brute
#'   force over all reference points), `"graph"` (best-first search on the embedding's own kNN
#'   graph, as pynndescent's query for umap-learn's transform: from 64 evenly spaced reference
#'   points, keeping the `max(32, 2k)` closest seen and expanding them through their graph
#'   neighbours; the distances are exact, some neighbours may be missed: on Fashion-MNIST, 10,000
#'   test images against 60,000 training images, it finds over 99% of the exact neighbours in a
#'   fraction of the time, `bench/results/transform.md`) or `"auto"` (default): `"graph"` above
#'   20,000 reference points when the embedding holds its graph (every t-SNE, UMAP and
#'   contrastive embedding made from data does), else `"exact"`.
#' @param seed UMAP, contrastive: seed of the negative sampling; `NULL` for the embedding's seed.
#' @param name When `embedding` is a `SingleCellExperiment` or `Seurat` object: the stored
#'   embedding to extend, a reduced dimension (default `"PARAMETRIC"`) or a reduction (default
#'   `"parametric"`), e.g. `"TSNE"` / `"tsne"`; `X_new` may then be a single-cell object of new
#'   cells, read as the embedding's input was (same reduced dimension's columns or the same
#'   genes/features). See [embedding_record()].
#' @return A `nembed_embedding` of the new points (one row per row of `X_new`); its record holds
#'   the parameters used and the initial positions (`init`).
#' @section Valid ranges: `r range_section("embed_transform")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' train <- seq(1, nrow(X), by = 2)
#' emb <- embed_tsne(X[train, ], perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
#' new <- embed_transform(emb, X[-train, ], n_threads = 1)
#' head(new)
#' um <- embed_umap(X[train, ], n_epochs = 100, n_threads = 1, seed = 1)
#' head(embed_transform(um, X[-train, ], n_threads = 1))
embed_transform <- function(embedding, X_new, perplexity = 5, k = NULL, init_k = 10,
                            n_iter = 250, learning_rate = NULL, momentum = 0.8, max_step_norm = 1,
                            n_threads = NULL, verbose = FALSE, n_epochs = NULL, seed = NULL,
                            name = NULL, knn_method = "auto") {
  t_start <- proc.time()[["elapsed"]]
  if (!is.null(name) && !is_sce(embedding) && !is_seurat(embedding)) {
    nembed_abort("`name` selects a stored embedding in a SingleCellExperiment or Seurat `embedding`; leave it NULL for a nembed_embedding.",
                 "value", "name")
  }
  stored <- stored_embedding(embedding, name)
  rec <- stored$record
  if (identical(rec$method, "parametric")) return(parametric_transform(rec, X_new, n_threads))
  method <- rec$method %||% "unknown"
  if (!method %in% c("tsne", "umap", "contrastive")) {
    nembed_abort(sprintf("`embedding` must come from embed_tsne(), embed_umap() or embed_contrastive(); embed_transform() does not support \"%s\" embeddings.",
                         method), "type", "embedding")
  }
  sgd <- method != "tsne"
  # Arguments of the other kind of transform would be silently ignored: refuse them.
  given <- c(perplexity = !missing(perplexity), init_k = !missing(init_k),
             n_iter = !missing(n_iter), momentum = !missing(momentum),
             max_step_norm = !missing(max_step_norm), n_epochs = !is.null(n_epochs),
             seed = !is.null(seed))
  tsne_only <- c("perplexity", "init_k", "n_iter", "momentum", "max_step_norm")
  foreign <- names(given)[given & (names(given) %in% tsne_only) == sgd]
  if (length(foreign)) {
    nembed_abort(sprintf("`%s` does not apply to the transform of a \"%s\" embedding (see ?embed_transform).",
                         foreign[1], method), "value", foreign[1])
  }
  ref <- rec$reference
  if (is.null(ref)) {
    nembed_abort("`embedding` has no reference data (it was made from a graph, affinities or distances); embed from a data matrix to place new points.",
                 "value", "embedding")
  }
  rec <- validate_model(rec, "embedding")
  ref <- rec$reference
  X_new <- as_data_matrix(new_cells_matrix(X_new, rec), "X_new", min_rows = 1L)
  if (ncol(X_new) != ref$n_input_cols) {
    nembed_abort(sprintf("`X_new` must have %d columns like the reference data; it has %d.",
                         ref$n_input_cols, ncol(X_new)), "size", "X_new")
  }
  n_threads <- default_threads(n_threads)
  check_flag(verbose, "verbose")
  n_ref <- nrow(ref$data)
  knn_method <- check_choice(knn_method, c("auto", "exact", "graph"), "knn_method")
  search_graph <- reference_search_graph(rec, n_ref)
  if (knn_method == "graph" && is.null(search_graph)) {
    nembed_abort("`knn_method = \"graph\"` needs the embedding's kNN graph, and this embedding holds none; use knn_method = \"exact\".",
                 "value", "knn_method")
  }
  if (knn_method == "exact" || (knn_method == "auto" && n_ref <= 20000)) search_graph <- NULL
  if (!is.null(learning_rate)) {
    learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE)
  }
  Xq <- if (!is.null(ref$pca)) sweep(X_new, 2, ref$pca$center) %*% ref$pca$rotation else X_new
  storage.mode(Xq) <- "double"
  Yref <- unname(as.matrix(stored$coords))
  if (nrow(Yref) != n_ref) {
    nembed_abort(sprintf("`embedding` has %d rows but its reference data %d; pass the embedding as returned, not a subset.",
                         nrow(Yref), n_ref), "size", "embedding")
  }
  res <- if (sgd) {
    sgd_transform(rec, ref, Yref, Xq, k, learning_rate, n_threads, verbose, n_epochs, seed,
                  search_graph)
  } else {
    tsne_transform(rec, ref, Yref, Xq, k, learning_rate, n_threads, verbose, perplexity, init_k,
                   n_iter, momentum, max_step_norm, search_graph)
  }
  res$record$params$seed <- res$record$params$seed %||% NA_real_  # the t-SNE transform draws none
  res$record$params$n_threads <- n_threads
  res$record$loss <- empty_loss()
  res$record$loss_name <- NA_character_
  res$record$timings <- fixed_timings(list(knn = res$t_knn), t_start)
  res$record$inputs <- list(type = "data", n = nrow(X_new), n_features = ncol(X_new))
  new_embedding(res$Y, res$record, row_names = rownames(X_new))
}

# The new points' nearest reference points: list(idx, dist) (m x k) and the time it took.
transform_neighbours <- function(ref, Xq, k, n_threads, verbose, search_graph = NULL) {
  t0 <- proc.time()[["elapsed"]]
  opts <- list(k = k, metric = ref$metric, n_threads = n_threads, verbose = verbose)
  nn <- if (is.null(search_graph)) {
    core_call(knn_query_cpp(ref$data, Xq, opts))
  } else {
    core_call(knn_query_graph_cpp(ref$data, Xq, search_graph,
                                  c(opts, list(ef = transform_search_ef(k)))))
  }
  nn$time <- proc.time()[["elapsed"]] - t0
  nn
}

# The points kept by the graph search for k neighbours (graph_search.hpp): on Fashion-MNIST
# (60,000 reference points, PCA 50) it finds 99.65% of the exact neighbours for k = 14 (ef 32;
# 99.92% with ef 64 at 1.5 times the time) and 99.95% for k = 90.
transform_search_ef <- function(k) max(32L, 2L * as.integer(k))

# The reference points' kNN graph an embedding holds (a dgCMatrix over them), or NULL: t-SNE's and
# UMAP's affinities, the contrastive embeddings' graph.
reference_search_graph <- function(rec, n_ref) {
  aff <- rec$affinities
  for (g in list(if (is.list(aff)) aff$P else aff, rec$graph)) {
    if (inherits(g, "dgCMatrix") && nrow(g) == n_ref && ncol(g) == n_ref) return(g)
  }
  NULL
}

tsne_transform <- function(rec, ref, Yref, Xq, k, learning_rate, n_threads, verbose, perplexity,
                           init_k, n_iter, momentum, max_step_norm, search_graph) {
  n_ref <- nrow(ref$data)
  perplexity <- check_number(perplexity, "perplexity", lower = 1, lower_open = TRUE)
  k <- check_k(k %||% min(n_ref - 1, floor(3 * perplexity)), n_ref + 1)
  if (perplexity >= k) {
    nembed_abort(sprintf("`perplexity` = %s needs more than k = %d neighbours.", format(perplexity), k),
                 "size", "perplexity")
  }
  init_k <- check_count(init_k, "init_k", lower = 1, upper = n_ref)
  n_iter <- check_count(n_iter, "n_iter", lower = 0)
  nn <- transform_neighbours(ref, Xq, max(k, init_k), n_threads, verbose, search_graph)
  # Median of the nearest reference points' positions, per coordinate.
  Y0 <- vapply(seq_len(ncol(Yref)), function(c) {
    m <- matrix(Yref[nn$idx[, seq_len(init_k), drop = FALSE], c], nrow = nrow(Xq))
    apply(m, 1, stats::median)
  }, numeric(nrow(Xq)))
  Y0 <- matrix(Y0, nrow = nrow(Xq))
  Y <- Y0
  if (n_iter > 0) {
    idx <- nn$idx[, seq_len(k), drop = FALSE]
    P <- core_call(perplexity_conditional_cpp(nn$dist[, seq_len(k), drop = FALSE], perplexity,
                                                 list(n_threads = n_threads)))
    params <- list(n_iter = n_iter, learning_rate = learning_rate %||% 1,
                   momentum = check_number(momentum, "momentum", 0, 1, upper_open = TRUE),
                   dof = rec$params$dof, theta = 0.5,
                   max_step_norm = check_number(max_step_norm, "max_step_norm", lower = 0),
                   n_threads = n_threads, verbose = verbose)
    Y <- core_call(tsne_transform_cpp(Yref, idx, P, Y0, params))
  }
  list(Y = Y, t_knn = nn$time,
       record = list(method = "tsne_transform",
                     params = list(perplexity = perplexity, k = k, init_k = init_k,
                                   n_iter = n_iter),
                     init = Y0))
}

# UMAP and contrastive embeddings: SGD of the new points against the fixed reference, with the
# embedding's loss (UMAP: sgd_transform_cpp; contrastive: contrastive_transform_cpp).
sgd_transform <- function(rec, ref, Yref, Xq, k, learning_rate, n_threads, verbose, n_epochs,
                          seed, search_graph) {
  p <- rec$params
  n_ref <- nrow(ref$data)
  umap <- identical(rec$method, "umap")
  # Records made before the family contract named UMAP's neighbours n_neighbors (self included).
  k_model <- p$k %||% (p$n_neighbors - 1L)
  k <- check_k(k %||% min(k_model, n_ref), n_ref + 1)
  n_epochs <- check_count(n_epochs %||% max(1L, round(p$n_epochs / 3)), "n_epochs", lower = 0)
  learning_rate <- learning_rate %||% (p$learning_rate / 4)
  seed <- if (is.null(seed)) p$seed else resolve_seed(seed)
  nn <- transform_neighbours(ref, Xq, k, n_threads, verbose, search_graph)
  # UMAP: fuzzy memberships; contrastive: the binary kNN graph.
  W <- if (umap) core_call(umap_memberships_cpp(nn$dist, list(n_threads = n_threads))) else matrix(1, nrow(Xq), k)
  Y0 <- vapply(seq_len(ncol(Yref)), function(c) {
    rowSums(W * matrix(Yref[nn$idx, c], nrow = nrow(Xq))) / rowSums(W)
  }, numeric(nrow(Xq)))
  Y0 <- matrix(Y0, nrow = nrow(Xq))
  Y <- Y0
  if (n_epochs > 0) {
    tsmessage(rec$method, " transform: ", nrow(Xq), " points, ", n_epochs, " epochs",
              verbose = verbose)
    Y <- if (umap) {
      # UMAP's loss with the embedding's a and b (one pull per sampled edge, as uwot's and
      # umap-learn's transform: the reference end does not move).
      core_call(sgd_transform_cpp(Yref, Y0, nn$idx, W, list(
        a = p$a, b = p$b, attraction_weight = 1, n_epochs = n_epochs,
        negative_rate = p$n_negatives %||% p$negative_sample_rate, learning_rate = learning_rate,
        seed = seed, n_threads = n_threads, verbose = verbose)))
    } else {
      # The embedding's loss, batches and schedule (contrastive_transform_cpp): NEG and NCE with
      # the final c (NCE's learnt one, now fixed), InfoNCE with its exaggeration. Negatives come
      # from reference points drawn in proportion to their degree in the embedding's graph, as
      # the embedding's batches draw them (uniformly when the record has no graph).
      G <- rec$graph
      noise <- if (inherits(G, "dgCMatrix") && nrow(G) == n_ref) G@i + 1L else seq_len(n_ref)
      spec <- switch(p$loss, neg = , nce = rec$c, infonce = rec$rho, umap = 1)
      core_call(contrastive_transform_cpp(Yref, Y0, nn$idx, noise, list(
        loss = p$loss, spec = spec, n_epochs = n_epochs, n_negatives = p$n_negatives,
        batch_size = p$batch_size %||% 1024L, learning_rate = learning_rate, seed = seed,
        n_threads = n_threads, verbose = verbose)))
    }
  }
  list(Y = Y, t_knn = nn$time,
       record = list(method = paste0(rec$method, "_transform"),
                     params = list(k = k, n_epochs = n_epochs, learning_rate = learning_rate,
                                   seed = seed, n_threads = n_threads),
                     init = Y0))
}
