# The embedding object every embed_* function returns, and the input preparation they share.

#' Embedding objects
#'
#' Every `embed_*` function returns a `nembed_embedding`: a data frame with columns `x`, `y`
#' (and `z` in 3-D), one row per point and the input's row names, that ggplot2 takes as it is.
#' The run's record (method, parameters, loss trace, timings per phase, the affinities or graph
#' for reuse) is attached and read with `embedding_record()`; `as.matrix()` gives the
#' coordinates.
#'
#' @section Neighbours: Given data, an `embed_*` function reduces it to 50 principal components
#'   when it has more columns (`pca = TRUE`) and finds each point's neighbours with [knn_graph()]:
#'   exactly up to 20,000 points, above that with HNSW at `M = 16`, `ef_construction = 40` and
#'   `ef = k + 20`, lighter than [knn_graph()]'s defaults (80 and `k + 40`). On Fashion-MNIST
#'   70,000 (PCA 50) they find 99.4% of the exact 14 neighbours (UMAP's) in 32% less time and
#'   99.5% of the exact 90 (t-SNE's, perplexity 30) in 20% less; the embeddings' kNN accuracy and
#'   recall do not change beyond the run-to-run noise. Pass a [knn_graph()] for other settings.
#'
#' @param embedding A `nembed_embedding`, a Seurat `DimReduc` made by nembed
#'   (`obj[["tsne"]]`; see [nembed_seurat]), or a `SingleCellExperiment` or `Seurat` object
#'   holding an embedding nembed stored (see [nembed_sce], [nembed_seurat]); for the last two,
#'   `name` says which. [embed_transform()] reads its `embedding` this way, so a parametric model
#'   stored in a single-cell object places new cells straight from the object.
#' @param name For a `SingleCellExperiment`: the reduced dimension whose record is read (default
#'   `"PARAMETRIC"`, where [embed_parametric()] stores its model); for a `Seurat` object: the
#'   reduction (default `"parametric"`). Other stored embeddings are read with their name, or as
#'   [sce_embedding()] / [seurat_embedding()] data frames, which keep the record.
#' @return `embedding_record()`: the run record, a list whose first fields are the same for every
#'   method: `method`; `params` (the arguments as used, with `seed` and `n_threads`); `init` (how
#'   the start was made: `"pca"`, `"spectral"`, `"random"`, `"user"`, ...); `loss`, a data frame
#'   with columns `iteration` and `value` (and method-specific ones, e.g. `z` for t-SNE), with no
#'   rows for methods whose core reports no loss yet (UMAP, ForceAtlas2, Laplacian eigenmaps, PCA,
#'   the contrastive losses); `loss_name`; `timings`, seconds per stage, always named `pca`, `knn`,
#'   `affinities`, `init`, `optimisation` and `total` (`NA` for a stage the run did not have); and
#'   `inputs`, what the run was made from (`type`: `"data"`, `"dist"`, `"knn"` or
#'   `"affinities"`; `n`, the number of points). Method-specific fields (the affinities or graph
#'   for reuse, the reference data for [embed_transform()], ...) follow.
#' @name nembed_embedding
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_tsne(X, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
#' head(emb)
#' names(embedding_record(emb))
NULL

#' @rdname nembed_embedding
#' @export
embedding_record <- function(embedding, name = NULL) {
  stored_embedding(embedding, name)$record
}

# What embedding_record() reads, for callers that also need the coordinates (embed_transform()):
# list(record, coords), where coords is the coordinate matrix a single-cell object stores under
# `name` (defaults: where embed_parametric() stores its model), or `embedding` itself (a
# nembed_embedding or a DimReduc). The stored embedding is looked up once for both.
stored_embedding <- function(embedding, name = NULL) {
  # A name only selects within a single-cell object; the argument blamed when the stored
  # embedding is missing is the one the caller gave.
  name_arg <- if (is.null(name)) "embedding" else "name"
  if (!is.null(name)) check_name(name, "name")
  if (is_sce(embedding)) {
    coords <- sce_stored(embedding, name %||% "PARAMETRIC", name_arg)
    rec <- attr(coords, "nembed_record")
    attr(coords, "nembed_record") <- NULL
  } else if (is_seurat(embedding)) {
    dr <- seurat_stored(embedding, name %||% "parametric", name_arg)
    rec <- methods::slot(dr, "misc")$nembed_record
    coords <- SeuratObject::Embeddings(dr)
  } else if (isS4(embedding) && methods::is(embedding, "DimReduc")) {
    rec <- methods::slot(embedding, "misc")$nembed_record  # a Seurat reduction (see ?nembed_seurat)
    coords <- embedding
  } else {
    rec <- attr(embedding, "nembed_record")
    coords <- embedding
  }
  if (is.null(rec)) {
    nembed_abort("`embedding` has no nembed run record; was it made by an embed_* function?",
                 "type", "embedding")
  }
  list(record = rec, coords = coords)
}

new_embedding <- function(Y, record, row_names = NULL) {
  Y <- as.matrix(Y)
  check_finite_result(Y, record$method)
  cols <- c("x", "y", "z")[seq_len(ncol(Y))]
  if (ncol(Y) > 3) cols <- paste0("dim", seq_len(ncol(Y)))
  df <- as.data.frame(Y)
  names(df) <- cols
  if (!is.null(row_names) && length(row_names) == nrow(df) && !anyDuplicated(row_names)) {
    rownames(df) <- row_names
  }
  attr(df, "nembed_record") <- record
  class(df) <- c("nembed_embedding", "data.frame")
  df
}

#' @method as.matrix nembed_embedding
#' @export
as.matrix.nembed_embedding <- function(x, ...) {
  m <- as.matrix(as.data.frame(unclass_embedding(x)))
  m
}

unclass_embedding <- function(x) {
  attr(x, "nembed_record") <- NULL
  class(x) <- "data.frame"
  cols <- intersect(c("x", "y", "z"), names(x))
  if (length(cols) == 0L) cols <- grep("^dim[0-9]+$", names(x), value = TRUE)
  x[, cols, drop = FALSE]
}

#' @method print nembed_embedding
#' @export
print.nembed_embedding <- function(x, n = 6, ...) {
  rec <- attr(x, "nembed_record")
  coords <- unclass_embedding(x)
  cat(sprintf("<nembed_embedding> %s: %d points in %d dimensions\n",
              rec$method %||% "embedding", nrow(x), ncol(coords)))
  if (!is.null(rec$timings)) {
    tm <- unlist(rec$timings)
    tm <- tm[!is.na(tm)]  # stages the method does not have
    cat("  time: ", paste(sprintf("%s %.2fs", names(tm), tm), collapse = ", "), "\n", sep = "")
  }
  fl <- final_loss(rec$loss)
  if (!is.null(fl)) {
    cat(sprintf("  final loss (%s, iteration %s): %.4f\n", rec$loss_name %||% "loss",
                format(fl$iteration), fl$value))
  }
  df <- x
  attr(df, "nembed_record") <- NULL
  class(df) <- "data.frame"
  print(utils::head(df, n))
  invisible(x)
}

# The last evaluated loss of a run's loss trace, or NULL. The record's `loss` has `iteration` and
# `value` (see new_record()); a record made before that schema (`kl` for t-SNE, or some other
# numeric column) still prints: the first of `kl`, `loss` or any other numeric column is read.
final_loss <- function(loss) {
  if (!is.data.frame(loss) || nrow(loss) == 0L) return(NULL)
  numeric_cols <- names(loss)[vapply(loss, is.numeric, logical(1))]
  col <- c(intersect(c("value", "kl", "loss"), numeric_cols),
           setdiff(numeric_cols, "iteration"))[1]
  if (is.na(col)) return(NULL)
  ok <- which(is.finite(loss[[col]]))
  if (!length(ok)) return(NULL)
  last <- ok[length(ok)]
  list(value = loss[[col]][last],
       iteration = if ("iteration" %in% names(loss)) loss$iteration[last] else last)
}

#' Plot an embedding with base graphics
#'
#' @param x A `nembed_embedding`.
#' @param color,colour Optional vector (one value per point) or the name of a column of `x` to
#'   colour by (either spelling, as in ggplot2).
#' @param cex,pch Point size and symbol.
#' @param ... Passed to [graphics::plot()].
#' @return `x`, invisibly.
#' @method plot nembed_embedding
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_tsne(X, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
#' plot(emb, color = iris$Species[!duplicated(iris[, 1:4])])
plot.nembed_embedding <- function(x, color = NULL, cex = 0.4, pch = 16, ..., colour = NULL) {
  color <- resolve_colour(pick_colour(color, colour), x, NULL)$values
  cols <- "black"
  if (!is.null(color)) {
    f <- factor(color)
    pal <- grDevices::hcl.colors(max(2, nlevels(f)), "Dark 3")
    cols <- pal[as.integer(f)]
  }
  m <- as.matrix(x)
  graphics::plot(m[, 1], if (ncol(m) > 1) m[, 2] else rep(0, nrow(m)), col = cols, pch = pch,
                 cex = cex, asp = 1, xlab = colnames(m)[1],
                 ylab = if (ncol(m) > 1) colnames(m)[2] else "", ...)
  if (!is.null(color) && nlevels(factor(color)) <= 20) {
    graphics::legend("topright", legend = levels(factor(color)), col = pal[seq_len(nlevels(factor(color)))],
                     pch = pch, cex = 0.7, bty = "n")
  }
  invisible(x)
}

# HNSW settings of the embed_* functions' own neighbour search (above 20,000 points, where
# knn_graph()'s "auto" picks HNSW), lighter than knn_graph()'s defaults (M 16, ef_construction 80,
# ef k + 40), which are for users who want the graph itself. Measured on Fashion-MNIST 70,000 x 50
# (PCA) against exact neighbours: k = 14 (UMAP), one thread: the defaults recall 0.998, this
# setting 0.994 in 32% less CPU time (6.9 s; M 8 or 12 was not faster at equal recall); k = 90
# (t-SNE, perplexity 30), two threads: 0.9985 in 7.3 s, this setting 0.9947 in 5.8 s. UMAP's
# fuzzy affinities and t-SNE's perplexity calibration do not notice the half percent of
# neighbours that differ (kNN accuracy and recall of the embeddings: bench/results/umap.md,
# tsne.md).
embedding_hnsw <- list(M = 16L, ef_construction = 40L, ef_extra = 20L)

# Shared input preparation for embed_* functions. Returns a list with
#   data  : the (PCA-reduced) numeric matrix, or NULL when only a graph/affinities/dist was given
#   knn   : a nembed_knn (NULL if affinities were given without one)
#   affinities: a nembed_affinities or NULL
#   row_names, n, reference (see reference_model()); input_type "dist" for distances
# The PCA and kNN times go to the context's clock.
prepare_embedding_input <- function(X, k, ctx, pca = TRUE, pca_dims = 50, metric = "euclidean",
                                    knn_method = "auto") {
  pca_dims <- check_count(pca_dims, "pca_dims", lower = 1)
  if (inherits(X, "nembed_affinities")) {
    X <- validate_affinities(X, "X")
    return(list(data = NULL, knn = X$knn, affinities = X, row_names = X$knn$row_names, n = X$n))
  }
  if (inherits(X, "nembed_knn")) {
    X <- validate_knn(X, "X")
    return(list(data = NULL, knn = X, affinities = NULL, row_names = X$row_names, n = X$n))
  }
  if (inherits(X, "dist") || (is.list(X) && !is.data.frame(X))) {
    n <- n_points(X)
    g <- stage(ctx, "knn", knn_graph(X, k = min(k, n - 1), n_threads = ctx$n_threads))
    return(list(data = NULL, knn = g, affinities = NULL, row_names = g$row_names, n = n,
                input_type = "dist"))
  }
  check_flag(pca, "pca")
  Xm <- as_data_matrix(X, "X", min_rows = 2L, allow_sparse = TRUE)
  row_names <- rownames(Xm)
  if (pca && ncol(Xm) > pca_dims) {
    tsmessage("PCA to ", pca_dims, " dimensions", verbose = ctx$verbose)
    Xm <- stage(ctx, "pca", pca(Xm, n_components = pca_dims, n_threads = ctx$n_threads))
  } else if (inherits(Xm, "sparseMatrix")) {
    Xm <- as.matrix(Xm)
  }
  n <- nrow(Xm)
  k <- check_k(min(check_count(k, "k", lower = 1), n - 1), n)  # min() of a vector k would hide it
  g <- stage(ctx, "knn", knn_graph(Xm, k = k, method = knn_method, metric = metric,
                                   n_threads = ctx$n_threads, seed = ctx$seed,
                                   verbose = ctx$verbose, M = embedding_hnsw$M,
                                   ef_construction = embedding_hnsw$ef_construction,
                                   ef = k + embedding_hnsw$ef_extra))
  list(data = Xm, knn = g, affinities = NULL, row_names = row_names, n = n,
       reference = reference_model(Xm, metric))
}

# What embed_transform() needs to bring new data into the reference's input space: the reference
# points (after PCA) and the PCA projection. Plain R objects, so it survives saveRDS().
reference_model <- function(Xm, metric) {
  rot <- attr(Xm, "rotation")
  # A bare matrix (the user's own, when no PCA ran) is shared, not copied.
  data <- if (identical(names(attributes(Xm)), "dim")) Xm else unname(matrix(as.numeric(Xm), nrow(Xm)))
  list(data = data, metric = metric,
       pca = if (!is.null(rot)) list(rotation = rot, center = attr(Xm, "center")),
       n_input_cols = if (!is.null(rot)) nrow(rot) else ncol(Xm))
}

# The record every embed_* returns (see ?nembed_embedding): the fixed fields first, the method's
# own (affinities, graph, reference, ...) after them.
new_record <- function(ctx, method, params, init, inputs, loss = NULL, loss_name = NA_character_,
                       extra = list()) {
  params$seed <- ctx$seed
  params$n_threads <- ctx$n_threads
  c(list(method = method, params = params, init = init, loss = loss %||% empty_loss(),
         loss_name = loss_name, timings = record_timings(ctx), inputs = inputs),
    extra)
}

# The loss trace of a method whose core reports no loss (yet).
empty_loss <- function() data.frame(iteration = integer(), value = numeric())

# What a run was made from, for the record's `inputs`.
describe_input <- function(prep) {
  type <- prep$input_type %||% if (!is.null(prep$affinities)) "affinities"
          else if (!is.null(prep$data)) "data" else "knn"
  list(type = type, n = prep$n,
       n_features = if (!is.null(prep$reference)) prep$reference$n_input_cols else NA_integer_)
}

# The one way through the house for the graph embeddings: after the input is prepared
# (prepare_embedding_input()), a method supplies three hooks and gets back its embedding with the
# fixed record:
#   graph(prep)              -> the weights it optimises on (timed as "affinities")
#   init(prep, graph)        -> list(Y, method), from init_layout() (timed as "init")
#   optimise(prep, graph, Y) -> list(Y, params, loss, loss_name, extra) (timed as "optimisation"),
#                               `extra` the method's own record fields.
run_embedding <- function(ctx, method, prep, graph, init, optimise) {
  G <- stage(ctx, "affinities", graph(prep))
  ini <- stage(ctx, "init", init(prep, G))
  res <- stage(ctx, "optimisation", optimise(prep, G, ini$Y))
  record <- new_record(ctx, method, res$params, ini$method, describe_input(prep), loss = res$loss,
                       loss_name = res$loss_name %||% NA_character_, extra = res$extra)
  new_embedding(res$Y, record, prep$row_names)
}
