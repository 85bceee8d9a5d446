# Parametric contrastive neighbour embeddings: a network learns the map from data to embedding.

#' Parametric neighbour embeddings: learn a map from the data to 2-D
#'
#' Trains a multilayer perceptron (ReLU) from the (PCA-reduced) input to the embedding with the
#' contrastive losses of [embed_contrastive()] on the same binary symmetric kNN graph, as the
#' parametric mode of contrastive-ne (Damrich et al. 2023) does: every epoch the directed edges are
#' shuffled and cut into batches of `batch_size` pairs, the batch's heads and tails go through the
#' network, each head draws its `n_negatives` negatives from the batch, the loss is summed over
#' the batch and back-propagated, and Adam updates the weights at the rate
#' `learning_rate (1 - epoch / n_epochs)`. The result places new points with [embed_transform()]
#' by one forward pass: no optimisation, no neighbour search.
#'
#' The forward and backward passes run in single precision as matrix products over fixed blocks
#' of 256 pool rows, in parallel over `n_threads`; the blocks' gradients are added in a fixed
#' order, so the same `seed` gives the same result whatever `n_threads` is.
#'
#' **Where the defaults differ from [embed_contrastive()], and why.**
#' * The optimiser is Adam, not SGD at 1: the parameters are shared weights, not coordinates. Its
#'   rate is 3e-3, three times contrastive-ne's parametric 1e-3, because nembed's default runs far
#'   fewer epochs (below): on Fashion-MNIST (60,000 training images, 10 epochs, `bench/parametric.R`)
#'   1e-3 ends at training kNN accuracy 0.713, 0.039 below non-parametric InfoNC-t-SNE (0.752),
#'   and 3e-3 at 0.730 (test images placed by the map: 0.7235).
#' * `n_epochs` defaults to fewer epochs: every batch updates the map of all points, so the network
#'   converges in far fewer passes than free coordinates (see the default below).
#' * No early exaggeration by default: the network starts from a random map near the origin with
#'   no initial layout to untangle, and with few epochs an early third would cost a third of the
#'   run. `early_phase = TRUE` restores the non-parametric rule.
#' * No gradient clipping (Adam normalises the step); NCE's `log Z` is one more Adam parameter.
#' * The input (after PCA) is divided by one scale, its root mean square, so that the first layer
#'   sees values of order 1 whatever the data's units; relative variances are kept.
#'
#' @inheritParams embed_contrastive
#' @param X Data: a numeric matrix, data frame or `dgCMatrix` (rows = points), a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "PARAMETRIC")` with its
#'   record and model; see [nembed_sce]) or a `Seurat` object (stored as the `DimReduc`
#'   `X[["parametric"]]`, key `"PARAMETRIC_"`; see [nembed_seurat]). The stored model places new
#'   cells straight from the objects: `embed_transform(X, new)`, with `new` a matrix or an object
#'   of the same kind holding the same input (reduced dimension or genes / features). A network
#'   needs input features, so a graph, affinities or `dist` object is refused.
#' @param loss `"infonce"` (default, InfoNC-t-SNE), `"neg"`, `"nce"` or `"umap"`.
#' @param s Position on the spectrum as in [embed_contrastive()] (`"neg"`: normalisation
#'   constant; `"infonce"`: exaggeration `4^s`, default 0).
#' @param hidden Sizes of the hidden layers (positive whole numbers); `c(100, 100, 100)` is
#'   contrastive-ne's network.
#' @param n_epochs Epochs; `NULL` chooses `min(100, max(10, ceiling(4e6 / edges)))`, i.e. about
#'   4 million pair visits (100 epochs below 40,000 directed edges, 10 at 400,000 or more).
#' @param batch_size Positive pairs per Adam step.
#' @param learning_rate Initial Adam learning rate, decayed linearly to 0 (contrastive-ne: 1e-3;
#'   see Details for why the default is 3e-3).
#' @param pca,pca_dims Reduce inputs with more than `pca_dims` columns to `pca_dims` principal
#'   components first (the stored rotation is applied to new data).
#' @param early_phase Run the first third of the epochs at `s = max(s, 1)` (only with `s`).
#' @param n_components Output dimensions.
#' @param ... Must be empty (for a `SingleCellExperiment`: the arguments above and those of
#'   [nembed_sce]).
#' @return A `nembed_embedding` (see [nembed_embedding]). Its record holds `model`: `weights`
#'   (list of `in x out` matrices), `biases`, `activation = "relu"` and `input` (`center`,
#'   `rotation` or `NULL`, `scale`), so that the embedding of new rows `Xn` is
#'   `H <- sweep(Xn, 2, center) %*% rotation / scale`, then `H <- pmax(H %*% W + b, 0)` per hidden
#'   layer and `H %*% W + b` for the last; the loss per epoch (`loss`), `init` (the output of
#'   the untrained network), timings and the kNN graph (`inputs$knn`).
#' @references Damrich, Boehm, Hamprecht & Kobak (2023). From t-SNE to UMAP with contrastive
#'   learning. ICLR.
#' @section Valid ranges: `r range_section("embed_parametric")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' train <- seq(1, nrow(X), by = 2)
#' emb <- embed_parametric(X[train, ], hidden = c(32, 32), n_epochs = 20, batch_size = 128,
#'                         n_threads = 1, seed = 1)
#' new <- embed_transform(emb, X[-train, ], n_threads = 1)
#' head(new)
embed_parametric <- function(X, ...) UseMethod("embed_parametric")

#' @rdname embed_parametric
#' @export
embed_parametric.default <- function(X, loss = c("infonce", "neg", "nce", "umap"), s = NULL,
                                     hidden = c(100, 100, 100), n_epochs = NULL, batch_size = 1024,
                                     learning_rate = 3e-3, k = 15, pca = TRUE, pca_dims = 50,
                                     n_negatives = 5, early_phase = FALSE, n_components = 2,
                                     n_threads = NULL, seed = NULL, verbose = FALSE, ...) {
  reject_dots("embed_parametric", ...)
  loss <- check_choice(loss, c("infonce", "neg", "nce", "umap"), "loss")
  s <- check_number(s, "s", allow_null = TRUE)
  hidden <- check_hidden(hidden)
  n_epochs <- check_count(n_epochs, "n_epochs", allow_null = TRUE)
  batch_size <- check_count(batch_size, "batch_size")
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE,
                                upper = 1e3)
  k <- check_count(k, "k")
  check_flag(pca, "pca")
  pca_dims <- check_count(pca_dims, "pca_dims")
  n_negatives <- check_count(n_negatives, "n_negatives")
  check_flag(early_phase, "early_phase")
  n_components <- check_count(n_components, "n_components")
  if (inherits(X, c("nembed_knn", "nembed_affinities", "dist")) ||
      (is.list(X) && !is.data.frame(X))) {
    nembed_abort("`X` must be a data matrix: a parametric embedding maps input features, so a graph, affinities or distances cannot train it.",
                 "type", "X")
  }
  ctx <- nembed_context(n_threads, seed, verbose)
  prep <- prepare_embedding_input(X, k, ctx, pca = pca, pca_dims = pca_dims)
  n <- prep$n
  check_components(n_components, n)
  run_embedding(ctx, "parametric", prep,
    graph = function(prep) contrastive_graph(prep, k, ctx),
    # The network's start is its weights (PyTorch's default draw in the core); the input map
    # (centre, PCA rotation, one scale) is this stage.
    init = function(prep, W) list(Y = parametric_input(prep$data), method = "network"),
    optimise = function(prep, W, input) {
      Xin <- parametric_apply_input(prep$data, input)
      if (is.null(n_epochs)) {
        n_epochs <- as.integer(min(100, max(10, ceiling(4e6 / max(1, length(W@x))))))
      }
      sp <- contrastive_spec(loss, s, NULL, n_negatives, n, n_epochs, early_phase)
      sizes <- c(ncol(Xin), hidden, n_components)
      tsmessage("parametric (", loss, "): network ", paste(sizes, collapse = "-"), ", ", n_epochs,
                " epochs, batches of ", batch_size, verbose = ctx$verbose)
      r <- core_call(parametric_train_cpp(Xin, W, as.integer(sizes), list(
        loss = loss, n_epochs = n_epochs,
        n_early = sp$n_early, spec = sp$spec, spec_early = sp$spec_early,
        n_negatives = n_negatives, batch_size = batch_size, learning_rate = learning_rate,
        seed = ctx$seed, n_threads = ctx$n_threads, verbose = ctx$verbose)))
      n_input_cols <- if (!is.null(attr(prep$data, "rotation"))) nrow(attr(prep$data, "rotation"))
                      else ncol(prep$data)
      list(Y = r$Y,
           params = list(loss = loss, s = sp$s, hidden = hidden, n_negatives = n_negatives, k = k,
                         n_epochs = n_epochs, n_early = sp$n_early, batch_size = batch_size,
                         learning_rate = learning_rate, pca = pca, pca_dims = pca_dims,
                         n_components = n_components),
           loss = data.frame(iteration = seq_along(r$loss), value = r$loss),
           loss_name = paste(loss, "loss per pair"),
           extra = list(model = list(weights = r$weights, biases = r$biases, activation = "relu",
                                     input = input, n_input_cols = n_input_cols),
                        init_coords = r$Y0,
                        c = if (loss %in% c("neg", "nce")) r$spec else NA_real_,
                        log_z = if (loss == "nce") r$log_z else NA_real_,
                        rho = if (loss == "infonce") sp$spec else NA_real_,
                        knn = prep$knn))
    })
}

# (The Seurat method is one line in seurat.R, made by seurat_embed_method().)
# A SingleCellExperiment: the embedding is stored as reducedDim(X, "PARAMETRIC") with its record,
# which keeps the model (see ?nembed_sce). sce_embed_method() lives in sce.R, collated after this
# file, so it is looked up at call time.
#' @rdname nembed_sce
#' @method embed_parametric SingleCellExperiment
#' @export
embed_parametric.SingleCellExperiment <- function(X, ...) {
  sce_embed_method("embed_parametric", "PARAMETRIC")(X, ...)
}

# Hidden layer sizes: a non-empty vector of positive whole numbers.
check_hidden <- function(hidden) {
  if (!is.numeric(hidden) || length(hidden) < 1L || anyNA(hidden)) {
    nembed_abort("`hidden` must be a non-empty vector of positive whole numbers (units per hidden layer).",
                 "type", "hidden")
  }
  if (any(!is.finite(hidden)) || any(hidden != round(hidden)) || any(hidden < 1) ||
      any(hidden > 1e5)) {
    nembed_abort(sprintf("`hidden` must hold whole numbers between 1 and 100000; it is %s.",
                         paste(format(hidden), collapse = ", ")), "value", "hidden")
  }
  as.integer(hidden)
}

# The network's input map: centre, PCA rotation (NULL without PCA) and one scale (the RMS of the
# centred, rotated data), so the first layer sees values of order 1.
parametric_input <- function(Xm) {
  rot <- attr(Xm, "rotation")
  if (!is.null(rot)) {
    center <- attr(Xm, "center")
    scores <- unname(matrix(as.numeric(Xm), nrow(Xm)))
    scores <- sweep(scores, 2, colMeans(scores))  # PCA scores are centred; this makes it exact
  } else {
    center <- colMeans(Xm)
    scores <- sweep(unname(Xm), 2, center)
  }
  scale <- sqrt(mean(scores^2))
  if (!is.finite(scale) || scale <= 0) scale <- 1
  list(center = unname(center), rotation = if (!is.null(rot)) unname(rot), scale = scale)
}

# The training data in the input space of the network. With PCA, Xm already holds the training
# points' PCA scores (centred), so only the scale is left; new data go through the whole map in
# C++ (parametric_transform_cpp()).
parametric_apply_input <- function(Xm, input) {
  H <- if (!is.null(input$rotation)) unname(matrix(as.numeric(Xm), nrow(Xm))) / input$scale
       else sweep(unname(Xm), 2, input$center) / input$scale
  storage.mode(H) <- "double"
  H
}

# What embed_transform() runs for a parametric embedding: the stored input map and one forward
# pass (no optimisation, no neighbour search). rec: the embedding's record (from a data frame, a
# DimReduc, or a SingleCellExperiment / Seurat object, see embedding_record()); X_new: a matrix,
# or a single-cell object whose cells are read as the record's sce_input / seurat_input says.
parametric_transform <- function(rec, X_new, n_threads = NULL) {
  t_start <- proc.time()[["elapsed"]]
  model <- rec$model
  ok <- is.list(model) && is.list(model$weights) && is.list(model$biases) &&
    length(model$weights) >= 1L && length(model$weights) == length(model$biases) &&
    is.list(model$input) && is.numeric(model$input$scale)
  if (!ok) {
    nembed_abort("`embedding` is not a complete parametric model (weights, biases and input map).",
                 "value", "embedding")
  }
  n_threads <- default_threads(n_threads)
  X_new <- as_data_matrix(new_cells_matrix(X_new, rec), "X_new", min_rows = 1L)
  n_cols <- model$n_input_cols %||% length(model$input$center)
  if (ncol(X_new) != n_cols) {
    nembed_abort(sprintf("`X_new` must have %d columns like the training data; it has %d.",
                         n_cols, ncol(X_new)), "size", "X_new")
  }
  rot <- model$input$rotation
  Y <- core_call(parametric_transform_cpp(X_new, as.numeric(model$input$center),
                                if (is.null(rot)) matrix(0, 0, 0) else rot, model$input$scale,
                                model$weights, model$biases, list(n_threads = n_threads)))
  record <- list(method = "parametric_transform",
                 params = list(n_threads = n_threads, seed = rec$params$seed),
                 timings = list(total = proc.time()[["elapsed"]] - t_start))
  new_embedding(Y, record, row_names = rownames(X_new))
}
