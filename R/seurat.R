# Seurat input and output. Seurat and SeuratObject stay in Suggests: as for SingleCellExperiment
# (R/sce.R), the methods are S3 methods registered for the class name "Seurat" (S3 dispatch on an
# S4 object follows its S4 classes), and every call into SeuratObject goes through `pkg::`.

#' Seurat input and output
#'
#' Every `embed_*` function ([embed_tsne()], [embed_umap()], [embed_contrastive()],
#' [embed_parametric()], [embed_fa2()], [embed_laplacian()], [embed_pca()], [embed_spectrum()],
#' [embed_wasserstein()]), [knn_graph()] and [spectral_distances()] accept a `Seurat` object (packages Seurat and
#' SeuratObject, suggested packages) as `X`, following Seurat's own `RunTSNE()` and `RunUMAP()`:
#'
#' * **Input.** With `reduction` (default `"pca"`), the cells' coordinates
#'   `Embeddings(X[[reduction]])[, dims]`. With `reduction = NULL`, the scaled data
#'   (`ScaleData()`'s `"scale.data"`) of `assay` (default `DefaultAssay(X)`), restricted to
#'   `features` if given, transposed to cells x features and reduced by [pca()] to `n_pca`
#'   components. The input object is never modified.
#' * **Default `dims`.** [embed_tsne()]: `1:5`, the default of Seurat 4.3's `RunTSNE()`, so
#'   that `embed_tsne(obj)` embeds what `RunTSNE(obj)` embeds. The other functions: the first 30
#'   components, or all of them when the reduction has fewer (Seurat 4.3's `RunUMAP()` has no
#'   default and stops without `dims`; 30 is the number its vignettes use most). Pass `dims`
#'   to choose.
#' * **Output.** An `embed_*` function returns `X` with the embedding stored as a `DimReduc`,
#'   `X[[reduction.name]]`, made by `CreateDimReducObject()` as Seurat's own functions make it:
#'   the cells' names as row names, columns `<reduction.key>1`, `<reduction.key>2`, ..., and the
#'   assay of the input reduction (with `reduction = NULL`, the assay used). Seurat's default
#'   names: `"tsne"`/`"tSNE_"` and `"umap"`/`"UMAP_"` (as `RunTSNE()`/`RunUMAP()`), `"pca"`/`"PC_"`
#'   (as `RunPCA()`), and `"contrastive"`/`"CONTRASTIVE_"`, `"parametric"`/`"PARAMETRIC_"`,
#'   `"fa2"`/`"FA2_"`,
#'   `"laplacian"`/`"LAPLACIAN_"`. As in Seurat, a reduction of the same name is replaced.
#'   `DimPlot(X, reduction = "tsne")` draws it. Nothing else in `X` changes (unlike Seurat's
#'   functions, nembed adds no entry to `X@commands`).
#' * **The run record** (see [embedding_record()]) is kept in the `DimReduc`'s `misc` slot, as
#'   `Misc(X[["tsne"]])$nembed_record`, without the neighbour graph and affinities (as for
#'   [nembed_sce]; their names are listed in the record's `dropped`). `embedding_record()`
#'   reads it from the `DimReduc` itself, `embedding_record(X[["tsne"]])`. The record's
#'   `seurat_input` says what went in (`type = "reduction"` with `reduction` and `dims`, or
#'   `type = "assay"` with `assay`, `features` and `n_pca`). [seurat_embedding()] turns the
#'   `DimReduc` back into a `nembed_embedding` data frame with the cells' `meta.data`, for
#'   `autoplot()`, [embed_transform()] (t-SNE, UMAP and contrastive embeddings keep their
#'   reference data: new cells are given as `Embeddings(new[["pca"]])[, dims]` in the same PCA
#'   space, or with `reduction = NULL` as `t(GetAssayData(new, slot = "scale.data")[features, ])`)
#'   and [continue_tsne()] (which recomputes the affinities from the reference data).
#' * **A parametric model** ([embed_parametric()]) is kept in the record, so
#'   `embed_transform(X, new)` places the cells of another Seurat object `new` (or a matrix) by
#'   one forward pass: it reads the model of `X[["parametric"]]` and takes from `new` the input
#'   the model was trained on, `Embeddings(new[[reduction]])[, dims]` (which must be the same
#'   space, e.g. cells of the same object or projected onto its PCA) or the same `features` of
#'   the scaled data of the same assay. A missing reduction, assay or feature, or too few dims,
#'   is an error naming `X_new`. Another stored model is read with
#'   `embed_transform(seurat_embedding(X, name), new)`. The model survives [saveRDS()].
#' * **Several panels, or units.** [embed_spectrum()] stores each panel as a `DimReduc` of its
#'   own, named as for [nembed_sce] but in lower case (`"tsne_exaggeration_4"`, `"neg_s_0.5"`,
#'   `"umap"`, ...; after `<reduction.name>_` when `reduction.name` is given), with keys made of
#'   the name's letters and digits (`"TSNEEXAGGERATION4_"`). [embed_wasserstein()] embeds units
#'   (groups of cells), not cells: it returns its usual unit embedding, and `groups` may name a
#'   `meta.data` column.
#' * [knn_graph()] and [spectral_distances()] return their usual result (a `nembed_knn`, a `dist`
#'   labelled with the cells' names), computed on the cells.
#'
#' Each function is an S3 generic whose `Seurat` method takes the arguments below and passes
#' everything else (`...`) to the default method, e.g.
#' `embed_umap(obj, dims = 1:10, k = 29)`. nembed's own defaults apply (for UMAP,
#' `k = 14` (umap-learn's `n_neighbors = 15`) and `min_dist = 0.1`, not `RunUMAP()`'s 30, 0.3 and cosine metric; see
#' [embed_umap()]); give Seurat's values to match it.
#'
#' @param X A `Seurat` object.
#' @param ... Arguments passed to the default method (e.g. `perplexity`, `n_threads`, `seed`).
#' @param reduction The name of the reduction to embed (default `"pca"`), or `NULL` for the
#'   scaled data of `assay` (the default of [embed_pca()], which then computes a PCA of the scaled
#'   data as `RunPCA()` does, stored as `"pca"` with `n_components` components, 2 by default:
#'   give `reduction.name` to keep Seurat's `"pca"`).
#' @param dims With `reduction`: the reduction's columns to use (numbers); see the defaults above.
#' @param assay With `reduction = NULL`: the assay whose scaled data are used (default
#'   `DefaultAssay(X)`).
#' @param features With `reduction = NULL`: `NULL` (every feature of the scaled data) or the
#'   features (names or row numbers of the scaled data) to use.
#' @param n_pca With `reduction = NULL`: number of principal components the cells are reduced to
#'   before the embedding (`NULL` for none).
#' @param reduction.name,reduction.key Name and key of the new `DimReduc` (for
#'   [embed_spectrum()]: `reduction.name` is `NULL` or a prefix for the panels' names). A key is
#'   a letter, then letters or digits, then one underscore.
#' @param x For [spectral_distances()], the `Seurat` object (its first argument is `x`).
#' @param groups For [embed_wasserstein()]: the name of a `meta.data` column, or a vector with one
#'   entry per cell, giving each cell's unit (sample, donor, ...).
#' @return For `embed_*` functions, `X` with the new `DimReduc` (for [embed_spectrum()] one per
#'   panel); for [embed_wasserstein()] the embedding of the units. For [knn_graph()] the
#'   `nembed_knn` graph of the cells, for [spectral_distances()] their `dist`.
#' @name nembed_seurat
#' @seealso [nembed_sce] for SingleCellExperiment objects.
#' @examples
#' # (not run by default checks: loading Seurat takes several seconds)
#' \donttest{
#' if (requireNamespace("SeuratObject", quietly = TRUE)) {
#'   pbmc <- SeuratObject::pbmc_small                       # 80 cells, with a 19-PC "pca"
#'   pbmc <- embed_umap(pbmc, dims = 1:10, k = 9, n_threads = 1, seed = 1)
#'   pbmc <- embed_tsne(pbmc, dims = 1:10, perplexity = 10, n_threads = 1, seed = 1)
#'   SeuratObject::Reductions(pbmc)
#'   head(SeuratObject::Embeddings(pbmc, "umap"))
#'   embedding_record(pbmc[["umap"]])$params$k
#'   if (requireNamespace("Seurat", quietly = TRUE)) Seurat::DimPlot(pbmc, reduction = "umap")
#' }
#' }
NULL

is_seurat <- function(x) inherits(x, "Seurat")

require_seurat <- function(arg = "X") {
  if (!requireNamespace("SeuratObject", quietly = TRUE)) {
    nembed_abort(sprintf("`%s` is a Seurat object but the package SeuratObject is not installed; install it (Debian: r-cran-seuratobject).",
                         arg), "dependency", arg)
  }
  invisible(TRUE)
}

# The cells x features matrix a Seurat method embeds (see ?nembed_seurat), with the cells' names
# as row names (`m`), where it came from (`source`, for the run record) and the assay the result
# belongs to.
seurat_input <- function(X, reduction = "pca", dims = NULL, assay = NULL, features = NULL,
                         n_pca = 50, default_dims = 30L, arg = "X", n_threads = NULL) {
  require_seurat(arg)
  if (!isS4(X)) {
    nembed_abort(sprintf("`%s` has class \"Seurat\" but is not a Seurat object (an S4 object of package SeuratObject).",
                         arg), "type", arg)
  }
  cells <- colnames(X)
  if (length(cells) == 0L) {
    nembed_abort(sprintf("`%s` is a Seurat object with no cells.", arg), "size", arg)
  }
  if (!is.null(reduction)) {
    check_member(check_name(reduction, "reduction"), SeuratObject::Reductions(X), "reduction",
                 "a reduction", arg, hint = paste(" Run e.g. Seurat::RunPCA() first, or give",
                                                  "`reduction = NULL` to use the scaled data."))
    dr <- X[[reduction]]
    E <- SeuratObject::Embeddings(dr)
    cols <- seurat_dims(dims, ncol(E), reduction, default_dims)
    m <- as_data_matrix(E[, cols, drop = FALSE], sprintf("Embeddings(X[[\"%s\"]])", reduction))
    rownames(m) <- rownames(E)
    source <- list(type = "reduction", reduction = reduction, dims = cols)
    assay_out <- SeuratObject::DefaultAssay(dr)
  } else {
    if (!is.null(dims)) {
      nembed_abort("`dims` selects columns of a reduction; it needs `reduction` (with `reduction = NULL` use `features`).",
                   "value", "dims")
    }
    assay <- assay %||% SeuratObject::DefaultAssay(X)
    check_member(check_name(assay, "assay"), SeuratObject::Assays(X), "assay", "an assay", arg)
    a <- seurat_scaled_data(X, assay)
    if (nrow(a) == 0L || ncol(a) == 0L) {
      nembed_abort(sprintf("`reduction` is NULL but assay \"%s\" of `%s` has no scaled data; run Seurat::ScaleData() first, or give a reduction (e.g. `reduction = \"pca\"`).",
                           assay, arg), "value", "reduction")
    }
    a <- a[, match(cells, colnames(a)), drop = FALSE]
    if (anyNA(colnames(a))) {
      nembed_abort(sprintf("The scaled data of assay \"%s\" do not cover every cell of `%s`.",
                           assay, arg), "value", arg)
    }
    rows <- select_genes(a, NULL, features, rownames(a), arg = "features")
    m <- Matrix::t(a[rows, , drop = FALSE])
    m <- as_data_matrix(m, sprintf("the scaled data of assay \"%s\"", assay), min_rows = 2L,
                        allow_sparse = TRUE)
    source <- list(type = "assay", assay = assay, slot = "scale.data", n_features = length(rows),
                   features = rownames(a)[rows])
    m <- cells_pca(m, n_pca, n_threads = n_threads)
    if (!is.null(attr(m, "rotation"))) source$n_pca <- ncol(m)
    rownames(m) <- cells
    assay_out <- assay
  }
  list(m = m, source = source, assay = assay_out)
}

# The DimReduc X[[name]], whose `misc` slot holds the run record, for embedding_record(); `arg`
# as in sce_stored().
seurat_stored <- function(X, name, arg = "name") {
  require_seurat("embedding")
  check_stored_name(name, SeuratObject::Reductions(X), "reduction", arg, "seurat_embedding")
  X[[name]]
}

# The new cells of the Seurat object `X_new` as the embedding's input `source` (its
# seurat_input): the same columns of the same reduction, or the same features of the same
# assay's scaled data.
seurat_new_cells <- function(X_new, source, arg = "X_new") {
  require_seurat(arg)
  if (is.null(source)) {
    nembed_abort(sprintf("`%s` is a Seurat object, but the embedding was not made from one (its record has no `seurat_input`), so which columns to use is unknown; give `%s` as a matrix.",
                         arg, arg), "type", arg)
  }
  cells <- colnames(X_new)
  if (identical(source$type, "reduction")) {
    if (!source$reduction %in% SeuratObject::Reductions(X_new)) {
      nembed_abort(sprintf("`%s` has no reduction \"%s\", which the model was trained on. The new cells must be in the same space (e.g. projected onto the training PCA).",
                           arg, source$reduction), "value", arg)
    }
    E <- SeuratObject::Embeddings(X_new[[source$reduction]])
    if (ncol(E) < max(source$dims)) {
      nembed_abort(sprintf("`%s`: reduction \"%s\" has %d columns; the model was trained on dims %s.",
                           arg, source$reduction, ncol(E),
                           paste(range(source$dims), collapse = " to ")), "size", arg)
    }
    m <- E[match(cells, rownames(E)), source$dims, drop = FALSE]
  } else {
    if (!source$assay %in% SeuratObject::Assays(X_new)) {
      nembed_abort(sprintf("`%s` has no assay \"%s\", which the model was trained on.", arg,
                           source$assay), "value", arg)
    }
    a <- seurat_scaled_data(X_new, source$assay)
    rows <- match(source$features, rownames(a))
    if (anyNA(rows)) {
      missing <- source$features[is.na(rows)]
      nembed_abort(sprintf("The scaled data of assay \"%s\" of `%s` lack %d of the %d features the model was trained on (e.g. %s); run Seurat::ScaleData() with them.",
                           source$assay, arg, length(missing), length(source$features),
                           paste(utils::head(missing, 3), collapse = ", ")), "size", arg)
    }
    m <- as.matrix(Matrix::t(a[rows, match(cells, colnames(a)), drop = FALSE]))
  }
  if (anyNA(rownames(m))) {
    nembed_abort(sprintf("The stored input of `%s` does not cover every cell.", arg), "value", arg)
  }
  dimnames(m) <- list(cells, colnames(m))
  m
}

# SeuratObject 5 reads layers; 4 reads slots. LayerData() is looked up at run time: it does not
# exist in SeuratObject 4 (Debian's), and a `::` reference to it is a WARNING in R CMD check there.
seurat_scaled_data <- function(X, assay) {
  if (utils::packageVersion("SeuratObject") >= "5.0.0") {
    layer_data <- getExportedValue("SeuratObject", "LayerData")
    layer_data(X, assay = assay, layer = "scale.data")
  } else {
    SeuratObject::GetAssayData(X, slot = "scale.data", assay = assay)
  }
}

# The columns of a reduction with `d` columns that `dims` selects (NULL: the first `default`).
seurat_dims <- function(dims, d, reduction, default = 30L) {
  if (is.null(dims)) return(seq_len(min(default, d)))
  if (!is.numeric(dims) || length(dims) == 0L || anyNA(dims) || any(dims != round(dims)) ||
      any(dims < 1) || any(dims > d) || anyDuplicated(dims)) {
    nembed_abort(sprintf("`dims` must be distinct column numbers between 1 and %d, the columns of reduction \"%s\"; got %s.",
                         d, reduction, paste(utils::head(format(dims), 8), collapse = ", ")),
                 "size", "dims")
  }
  as.integer(dims)
}

check_reduction_key <- function(key, arg = "reduction.key") {
  check_name(key, arg)
  if (!grepl("^[A-Za-z][A-Za-z0-9]*_$", key)) {
    nembed_abort(sprintf("`%s` = \"%s\" is not a Seurat key: a letter, then letters or digits, then one underscore (e.g. \"tSNE_\").",
                         arg, key), "value", arg)
  }
  key
}

# A key for a reduction name: its letters and digits in capitals, then "_".
seurat_key <- function(name) {
  key <- gsub("[^A-Za-z0-9]", "", toupper(name))
  if (!grepl("^[A-Za-z]", key)) key <- paste0("NE", key)
  paste0(key, "_")
}

# Stores the cells x dimensions coordinates Y as the DimReduc X[[name]], with the run record
# (without its graph objects) in its misc slot.
seurat_store <- function(X, name, key, Y, record, inp) {
  record <- sce_record(record)
  record$seurat_input <- inp$source
  Y <- unname(as.matrix(Y))
  dimnames(Y) <- list(rownames(inp$m), paste0(key, seq_len(ncol(Y))))
  X[[name]] <- SeuratObject::CreateDimReducObject(embeddings = Y, key = key, assay = inp$assay,
                                                  misc = list(nembed_record = record))
  X
}

# The body of every embedding method for Seurat: FUN (an embed_* function) runs on the cells'
# matrix and its coordinates go back into X as a DimReduc.
seurat_embed <- function(X, FUN, reduction.name, reduction.key, reduction = "pca", dims = NULL,
                         assay = NULL, features = NULL, n_pca = 50, default_dims = 30L, ...) {
  check_name(reduction.name, "reduction.name")
  check_reduction_key(reduction.key)
  inp <- seurat_input(X, reduction, dims, assay, features, n_pca, default_dims,
                      n_threads = dots_n_threads(...))
  emb <- FUN(inp$m, ...)
  seurat_store(X, reduction.name, reduction.key, as.matrix(emb), embedding_record(emb), inp)
}

# The Seurat method of the embed_* generic named `fun`, storing its result under `name`/`key` by
# default. The generic is looked up by name when the method runs.
seurat_embed_method <- function(fun, name, key, default_dims = 30L) {
  method <- function(X, ..., reduction = "pca", dims = NULL, assay = NULL, features = NULL,
                     n_pca = 50, reduction.name, reduction.key) {
    seurat_embed(X, get(fun, envir = topenv(), mode = "function"),
                 reduction.name = reduction.name, reduction.key = reduction.key,
                 reduction = reduction, dims = dims, assay = assay, features = features,
                 n_pca = n_pca, default_dims = default_dims, ...)
  }
  formals(method)$reduction.name <- name
  formals(method)$reduction.key <- key
  method
}

#' @rdname nembed_seurat
#' @method embed_tsne Seurat
#' @export
embed_tsne.Seurat <- function(X, ..., reduction = "pca", dims = 1:5, assay = NULL,
                              features = NULL, n_pca = 50, reduction.name = "tsne",
                              reduction.key = "tSNE_") {
  # RunTSNE()'s default dims apply to a reduction; with reduction = NULL only a given dims is kept
  # (and refused).
  if (is.null(reduction) && missing(dims)) dims <- NULL
  seurat_embed(X, embed_tsne, reduction.name = reduction.name, reduction.key = reduction.key,
               reduction = reduction, dims = dims, assay = assay,
               features = features, n_pca = n_pca, ...)
}

#' @rdname nembed_seurat
#' @method embed_umap Seurat
#' @export
embed_umap.Seurat <- seurat_embed_method("embed_umap", "umap", "UMAP_")

#' @rdname nembed_seurat
#' @method embed_contrastive Seurat
#' @export
embed_contrastive.Seurat <- seurat_embed_method("embed_contrastive", "contrastive",
                                                "CONTRASTIVE_")

#' @rdname nembed_seurat
#' @method embed_fa2 Seurat
#' @export
embed_fa2.Seurat <- seurat_embed_method("embed_fa2", "fa2", "FA2_")

#' @rdname nembed_seurat
#' @method embed_laplacian Seurat
#' @export
embed_laplacian.Seurat <- seurat_embed_method("embed_laplacian", "laplacian", "LAPLACIAN_")

#' @rdname nembed_seurat
#' @method embed_parametric Seurat
#' @export
embed_parametric.Seurat <- seurat_embed_method("embed_parametric", "parametric", "PARAMETRIC_")

#' @rdname nembed_seurat
#' @method embed_pca Seurat
#' @export
embed_pca.Seurat <- function(X, ..., reduction = NULL, dims = NULL, assay = NULL,
                             features = NULL, reduction.name = "pca", reduction.key = "PC_") {
  # No PCA before the PCA: the n_pca step would only rotate the result.
  seurat_embed(X, embed_pca, reduction.name = reduction.name, reduction.key = reduction.key,
               reduction = reduction, dims = dims, assay = assay, features = features,
               n_pca = NULL, ...)
}

#' @rdname nembed_seurat
#' @method embed_spectrum Seurat
#' @export
embed_spectrum.Seurat <- function(X, ..., reduction = "pca", dims = NULL, assay = NULL,
                                  features = NULL, n_pca = 50, reduction.name = NULL) {
  if (!is.null(reduction.name)) check_name(reduction.name, "reduction.name")
  inp <- seurat_input(X, reduction, dims, assay, features, n_pca,
                      n_threads = dots_n_threads(...))
  sp <- embed_spectrum(inp$m, ...)
  records <- attr(sp, "records")
  panels <- levels(sp$panel)
  nms <- tolower(spectrum_panel_names(sp))
  if (!is.null(reduction.name)) nms <- paste0(reduction.name, "_", nms)
  for (i in seq_along(panels)) {
    rows <- which(sp$panel == panels[i])
    rows <- rows[order(sp$id[rows])]
    X <- seurat_store(X, nms[i], seurat_key(nms[i]), cbind(sp$x[rows], sp$y[rows]),
                      records[[i]], inp)
  }
  X
}

#' @rdname nembed_seurat
#' @method embed_wasserstein Seurat
#' @export
embed_wasserstein.Seurat <- function(X, groups, ..., reduction = "pca", dims = NULL,
                                     assay = NULL, features = NULL, n_pca = 50) {
  inp <- seurat_input(X, reduction, dims, assay, features, n_pca,
                      n_threads = dots_n_threads(...))
  if (is.character(groups) && length(groups) == 1L && ncol(X) > 1L) {
    md <- methods::slot(X, "meta.data")
    if (!groups %in% names(md)) {
      nembed_abort(sprintf("`groups` = \"%s\" is not a meta.data column of `X`; give a column name or one value per cell.",
                           groups), "value", "groups")
    }
    inp$source$groups <- groups
    groups <- md[rownames(inp$m), groups]
  }
  emb <- embed_wasserstein(inp$m, groups, ...)
  rec <- attr(emb, "nembed_record")
  rec$seurat_input <- inp$source
  attr(emb, "nembed_record") <- rec
  emb
}

#' @rdname nembed_seurat
#' @method knn_graph Seurat
#' @export
knn_graph.Seurat <- function(X, ..., reduction = "pca", dims = NULL, assay = NULL,
                             features = NULL, n_pca = 50) {
  knn_graph(seurat_input(X, reduction, dims, assay, features, n_pca,
                      n_threads = dots_n_threads(...))$m, ...)
}

#' @rdname nembed_seurat
#' @method spectral_distances Seurat
#' @export
spectral_distances.Seurat <- function(x, ..., reduction = "pca", dims = NULL, assay = NULL,
                                      features = NULL, n_pca = 50) {
  spectral_distances(seurat_input(x, reduction, dims, assay, features, n_pca, arg = "x",
                      n_threads = dots_n_threads(...))$m, ...)
}

#' A stored Seurat reduction as a data frame
#'
#' Turns the reduction `reduction` of a `Seurat` object into a `nembed_embedding` data frame
#' (columns `x`, `y` (and `z`), one row per cell, the cells' names as row names) with the cells'
#' `meta.data` columns beside it, so that `autoplot()` ([autoplot.nembed_embedding()]) and
#' `plot()` can colour by any of them. The run record stored by nembed (see [nembed_seurat]) is
#' kept, so [embedding_record()], [embed_transform()] and [continue_tsne()] accept the result.
#'
#' @param X A `Seurat` object.
#' @param reduction The reduction's name.
#' @param meta_data Add the `meta.data` columns (those whose names do not clash with the
#'   coordinates).
#' @return A `nembed_embedding`.
#' @export
#' @examples
#' \donttest{
#' if (requireNamespace("SeuratObject", quietly = TRUE)) {
#'   pbmc <- embed_umap(SeuratObject::pbmc_small, dims = 1:10, k = 9,
#'                      n_threads = 1, seed = 1)
#'   emb <- seurat_embedding(pbmc, "umap")
#'   head(emb)
#'   if (requireNamespace("ggplot2", quietly = TRUE)) ggplot2::autoplot(emb, color = "groups")
#' }
#' }
seurat_embedding <- function(X, reduction, meta_data = TRUE) {
  if (!is_seurat(X) || !isS4(X)) {
    nembed_abort(sprintf("`X` must be a Seurat object, not %s.", paste(class(X), collapse = "/")),
                 "type", "X")
  }
  require_seurat()
  check_flag(meta_data, "meta_data")
  check_member(check_name(reduction, "reduction"), SeuratObject::Reductions(X), "reduction",
               "a reduction")
  dr <- X[[reduction]]
  Y <- SeuratObject::Embeddings(dr)
  record <- methods::slot(dr, "misc")$nembed_record %||%
    list(method = reduction, params = list(), timings = NULL)
  emb <- new_embedding(unname(Y), record, row_names = rownames(Y))
  if (meta_data) {
    md <- methods::slot(X, "meta.data")[rownames(Y), , drop = FALSE]
    for (col in setdiff(names(md), names(emb))) emb[[col]] <- md[[col]]
  }
  emb
}
