# SingleCellExperiment input and output. SingleCellExperiment stays in Suggests: the methods are
# S3 methods registered for the class name (S3 dispatch follows S4 inheritance, so subclasses of
# SingleCellExperiment reach them too), and every call into Bioconductor goes through `pkg::`.

#' SingleCellExperiment input and output
#'
#' Every `embed_*` function ([embed_tsne()], [embed_umap()], [embed_contrastive()],
#' [embed_parametric()], [embed_fa2()], [embed_laplacian()], [embed_pca()], [embed_spectrum()],
#' [embed_wasserstein()]), [knn_graph()] and [spectral_distances()] accept a `SingleCellExperiment` (package
#' SingleCellExperiment, a suggested package) as `X`, following scater's conventions
#' (`runTSNE()`, `runUMAP()`):
#'
#' * **Input.** With `dimred`, the cells' coordinates in the stored reduced dimension
#'   `reducedDim(X, dimred)` are used (its first `n_dimred` columns, or the columns `n_dimred`
#'   names or numbers). Otherwise the assay `assay.type` (alias `exprs_values`, default
#'   `"logcounts"`) is transposed to cells x genes, restricted to the `ntop` genes of highest
#'   variance (or to `subset_row`) and reduced by [pca()] to `n_pca` components. The input is
#'   never modified.
#' * **Output.** An `embed_*` function returns `X` with the embedding stored as
#'   `reducedDim(X, name)`: a cells x dimensions matrix with columns `<name>1`, `<name>2`, ...,
#'   the cells' names as row names and the run record (see [embedding_record()]) as attribute
#'   `"nembed_record"`, without the neighbour graph and affinities (for t-SNE they take about
#'   13 MB per 5,000 cells, 80 times the coordinates; their names are listed in the record's
#'   `dropped`). To reuse a graph, build it once with
#'   `P <- affinities(knn_graph(sce, dimred = "PCA"))` and embed `P`. Nothing else in `X`
#'   changes. The record's `sce_input` says what went in (`type`, and `dimred` and `columns`,
#'   or `assay.type`, `genes` and `n_pca`); for t-SNE, UMAP and contrastive embeddings it also
#'   keeps the reference data, so `embed_transform(sce_embedding(sce, "UMAP"), X_new)` places new
#'   cells, given as `reducedDim(new, dimred)[, columns]` or as
#'   `t(assay(new, assay.type)[genes, ])` (the PCA rotation is part of the record). The default
#'   `name` is the method's name in capitals (`"TSNE"`, `"UMAP"`, `"CONTRASTIVE"`,
#'   `"PARAMETRIC"`, `"FA2"`, `"LAPLACIAN"`, `"PCA"`), as in scater; pass another to keep several
#'   runs.
#' * **A parametric model** ([embed_parametric()]) is kept in the record, so
#'   `embed_transform(X, new)` places the cells of another SingleCellExperiment `new` (or a
#'   matrix) by one forward pass: it reads the model of `reducedDim(X, "PARAMETRIC")` and takes
#'   from `new` the input the model was trained on, `reducedDim(new, dimred)[, columns]` (which
#'   must be the same space, e.g. cells projected onto the training PCA) or the same genes of the
#'   same assay (the PCA rotation is part of the model). A missing reduced dimension, assay or
#'   gene, or too few columns, is an error naming `X_new`. Another stored model is read with
#'   `embed_transform(sce_embedding(X, name), new)`. The model survives [saveRDS()].
#' * **Several panels, or units.** [embed_spectrum()] stores each panel as a reduced dimension of
#'   its own: `"TSNE_exaggeration_4"` (t-SNE at exaggeration 4), `"NEG_s_0.5"` (the contrastive
#'   loss at `s = 0.5`), `"UMAP"`, `"FA2"`, `"LAPLACIAN"` (extra panels), each with its run record;
#'   with `name` they become `"<name>_TSNE_exaggeration_4"`, ... (columns of names that end in a
#'   digit get an underscore: `TSNE_exaggeration_4_1`). [embed_wasserstein()] embeds units
#'   (groups of cells), not cells: it returns its usual unit embedding (a `nembed_wasserstein`
#'   data frame, with `sce_input` in its record), and `groups` may name a `colData()` column.
#' * [knn_graph()] and [spectral_distances()] return their usual result (a `nembed_knn`, a `dist`
#'   labelled with the cells' names), computed on the cells.
#'
#' [sce_embedding()] turns a stored reduced dimension back into a `nembed_embedding` data frame
#' with the cells' `colData()` columns, ready for `autoplot()` ([autoplot.nembed_embedding()]).
#'
#' How the arguments reach you: each function is an S3 generic whose `SingleCellExperiment`
#' method takes the arguments below and passes everything else (`...`) to the default method,
#' e.g. `embed_tsne(sce, dimred = "PCA", perplexity = 20)`. Because the class is matched by
#' name, nembed does not depend on Bioconductor; the methods need SingleCellExperiment only when
#' they are called.
#'
#' Deviation from scater: scater 1.26 (Bioconductor 3.16) knows only `exprs_values`;
#' `assay.type` is the newer name (scater >= 1.27.7). Both are accepted here, `assay.type` first.
#'
#' @param X A `SingleCellExperiment` (or an object of a class that extends it).
#' @param ... Arguments passed to the default method (e.g. `perplexity`, `n_threads`, `seed`).
#' @param dimred `NULL` or the name of a reduced dimension of `X` to use as input (e.g. `"PCA"`).
#' @param n_dimred With `dimred`: `NULL` (all columns), the number of leading columns to use,
#'   or a vector of column numbers or names.
#' @param assay.type Without `dimred`: the assay to use (genes x cells); default `exprs_values`.
#' @param exprs_values Alias of `assay.type` (scater < 1.27.7's name), default `"logcounts"`.
#' @param ntop Without `dimred`: use the `ntop` genes of highest variance (as scater does);
#'   `NULL` for all genes. Ignored when `subset_row` is given.
#' @param subset_row Without `dimred`: `NULL` or the genes (row numbers, names or a logical
#'   vector) to use.
#' @param n_pca Without `dimred`: number of principal components the cells are reduced to before
#'   the embedding (`NULL` for none; the default method may still reduce wide input itself).
#' @param name Name under which the embedding is stored with `reducedDim()` (for
#'   [embed_spectrum()]: `NULL`, or a prefix for the panels' names).
#' @param x For [spectral_distances()], the `SingleCellExperiment` (its first argument is `x`).
#' @return For `embed_*` functions, `X` with the new reduced dimension `name` (for
#'   [embed_spectrum()] one per panel); for [embed_wasserstein()] the embedding of the units. For
#'   [knn_graph()] the `nembed_knn` graph of the cells, for [spectral_distances()] their `dist`.
#' @name nembed_sce
#' @seealso [load_hsmm()] builds a `SingleCellExperiment` from the HSMMSingleCell data.
#' @examples
#' # (not run by default checks: loading Bioconductor's classes alone takes ~4 s)
#' \donttest{
#' if (requireNamespace("SingleCellExperiment", quietly = TRUE)) {
#'   set.seed(1)
#'   logcounts <- matrix(rpois(200 * 60, 3), 200, 60,
#'                       dimnames = list(paste0("gene", 1:200), paste0("cell", 1:60)))
#'   logcounts <- log2(logcounts + 1)
#'   sce <- SingleCellExperiment::SingleCellExperiment(list(logcounts = logcounts))
#'   sce <- embed_pca(sce, n_components = 10)             # stores "PCA" from the 200 genes
#'   sce <- embed_pca(sce, dimred = "PCA", n_dimred = 5,  # embeds the first 5 PCs ...
#'                    n_components = 2, name = "PCA_2D")  # ... under another name
#'   SingleCellExperiment::reducedDimNames(sce)
#'   head(SingleCellExperiment::reducedDim(sce, "PCA_2D"))
#' }
#' }
NULL

is_sce <- function(x) inherits(x, "SingleCellExperiment")

require_sce <- function(arg = "X") {
  if (!requireNamespace("SingleCellExperiment", quietly = TRUE) ||
      !requireNamespace("SummarizedExperiment", quietly = TRUE)) {
    nembed_abort(sprintf("`%s` is a SingleCellExperiment but the package SingleCellExperiment is not installed; install it from Bioconductor (Debian: r-bioc-singlecellexperiment).",
                         arg), "dependency", arg)
  }
  invisible(TRUE)
}

check_name <- function(x, arg) {
  if (!is.character(x) || length(x) != 1L || is.na(x) || !nzchar(x)) {
    nembed_abort(sprintf("`%s` must be a single non-empty string.", arg), "type", arg)
  }
  x
}

# `value` (a name already checked by check_name()) must be one of `available`, the `what`s of `obj`.
check_member <- function(value, available, arg, what, obj = "X", hint = "") {
  if (!value %in% available) {
    nembed_abort(sprintf("`%s` = \"%s\" is not %s of `%s`; it has %s.%s", arg, value, what, obj,
                         if (length(available)) paste(sprintf("\"%s\"", available), collapse = ", ")
                         else "none", hint), "value", arg)
  }
  value
}

# The cells x features matrix an SCE method embeds (see ?nembed_sce), with the cells' names as
# row names (`m`), and where it came from (`source`, for the run record).
sce_input <- function(X, dimred = NULL, n_dimred = NULL, assay.type = "logcounts", ntop = 500,
                      subset_row = NULL, n_pca = 50, seed = 1, n_threads = NULL) {
  require_sce()
  cells <- colnames(X)
  if (!is.null(dimred)) {
    check_member(check_name(dimred, "dimred"), SingleCellExperiment::reducedDimNames(X),
                 "dimred", "a reduced dimension")
    m <- SingleCellExperiment::reducedDim(X, dimred, withDimnames = FALSE)
    m <- as.matrix(m)
    cols <- select_dimred_columns(m, n_dimred, dimred)
    m <- as_data_matrix(m[, cols, drop = FALSE], sprintf("reducedDim(X, \"%s\")", dimred))
    source <- list(type = "dimred", dimred = dimred, columns = cols)
  } else {
    check_name(assay.type, "assay.type")
    available <- SummarizedExperiment::assayNames(X)
    if (!assay.type %in% available) {
      nembed_abort(sprintf("`assay.type` = \"%s\" is not an assay of `X`; it has %s. Give another assay or a stored reduced dimension with `dimred`.",
                           assay.type, if (length(available)) paste(sprintf("\"%s\"", available),
                                                                    collapse = ", ") else "none"),
                   "value", "assay.type")
    }
    a <- SummarizedExperiment::assay(X, assay.type, withDimnames = FALSE)
    if (!is.matrix(a) && !inherits(a, "sparseMatrix")) a <- as.matrix(a)  # e.g. DelayedMatrix
    rows <- select_genes(a, ntop, subset_row, rownames(X))
    m <- Matrix::t(a[rows, , drop = FALSE])
    colnames(m) <- rownames(X)[rows]
    m <- as_data_matrix(m, sprintf("assay(X, \"%s\")", assay.type), min_rows = 2L,
                        allow_sparse = TRUE)
    source <- list(type = "assay", assay.type = assay.type, n_genes = length(rows),
                   genes = if (is.null(rownames(X))) rows else rownames(X)[rows])
    m <- cells_pca(m, n_pca, seed, n_threads)
    if (!is.null(attr(m, "rotation"))) source$n_pca <- ncol(m)
  }
  dimnames(m) <- list(cells, colnames(m))
  list(m = m, source = source)
}

# The cells x features matrix of sce_input() for the methods that return no embedding; `...` are
# the method's arguments (its `n_threads` reaches the PCA).
sce_cells <- function(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca, ...) {
  sce_input(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca,
            n_threads = dots_n_threads(...))$m
}

# The assay path of the single-cell methods: the cells x genes matrix `m` reduced by pca() to
# `n_pca` components when it has more columns (the result then carries the "rotation" that
# embed_transform() uses); a dense matrix in every case.
cells_pca <- function(m, n_pca, seed = 1, n_threads = NULL) {
  if (!is.null(n_pca)) {
    n_pca <- check_count(n_pca, "n_pca", lower = 1)
    if (ncol(m) > n_pca) m <- pca(m, n_components = min(n_pca, nrow(m) - 1L), seed = seed,
                                      n_threads = n_threads)
  }
  if (inherits(m, "sparseMatrix")) m <- as.matrix(m)
  m
}

select_dimred_columns <- function(m, n_dimred, dimred) {
  if (is.null(n_dimred)) return(seq_len(ncol(m)))
  if (is.character(n_dimred)) {
    bad <- setdiff(n_dimred, colnames(m))
    if (length(bad) || anyDuplicated(n_dimred)) {
      nembed_abort(sprintf("`n_dimred` names columns that reducedDim(X, \"%s\") does not have (or repeats them): %s.",
                           dimred, paste(unique(c(bad, n_dimred[duplicated(n_dimred)])),
                                         collapse = ", ")), "value", "n_dimred")
    }
    return(match(n_dimred, colnames(m)))
  }
  if (length(n_dimred) == 1L) {
    n <- check_count(n_dimred, "n_dimred", lower = 1, upper = ncol(m))
    return(seq_len(n))
  }
  if (!is.numeric(n_dimred) || anyNA(n_dimred) || any(n_dimred != round(n_dimred)) ||
      any(n_dimred < 1) || any(n_dimred > ncol(m)) || anyDuplicated(n_dimred)) {
    nembed_abort(sprintf("`n_dimred` must be a count or distinct column numbers between 1 and %d (the columns of reducedDim(X, \"%s\")).",
                         ncol(m), dimred), "size", "n_dimred")
  }
  as.integer(n_dimred)
}

# Genes (row numbers) of the assay to use: subset_row if given, else the ntop of highest variance
# (ties broken by position, as order() does in scater).
select_genes <- function(a, ntop, subset_row, gene_names, arg = "subset_row") {
  n <- nrow(a)
  if (!is.null(subset_row)) {
    idx <- seq_len(n)
    names(idx) <- gene_names
    rows <- tryCatch(unname(idx[subset_row]), error = function(e) NA_integer_)
    if (length(rows) == 0L || anyNA(rows)) {
      nembed_abort(sprintf("`%s` must select existing genes (row numbers, row names or a logical vector).",
                           arg), "value", arg)
    }
    return(rows)
  }
  if (is.null(ntop)) return(seq_len(n))
  ntop <- check_count(ntop, "ntop", lower = 1)
  if (ntop >= n) return(seq_len(n))
  mu <- Matrix::rowMeans(a)
  v <- Matrix::rowMeans(a^2) - mu^2
  utils::head(order(v, decreasing = TRUE), ntop)
}

# The body of every embedding method for SingleCellExperiment: FUN (an embed_* function) runs on
# the cells' matrix and its coordinates go back into X with reducedDim().
sce_embed <- function(X, FUN, name, dimred = NULL, n_dimred = NULL, assay.type = "logcounts",
                      ntop = 500, subset_row = NULL, n_pca = 50, ...) {
  check_name(name, "name")
  inp <- sce_input(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca,
                   n_threads = dots_n_threads(...))
  emb <- FUN(inp$m, ...)
  sce_store(X, name, as.matrix(emb), embedding_record(emb), inp$source)
}

# Stores the cells x dimensions coordinates Y as reducedDim(X, name), with the run record (without
# its graph objects) and where the input came from.
sce_store <- function(X, name, Y, record, source) {
  record <- sce_record(record)
  record$sce_input <- source
  dimnames(Y) <- list(colnames(X), sce_dim_names(name, ncol(Y)))
  attr(Y, "nembed_record") <- record
  SingleCellExperiment::reducedDim(X, name) <- Y
  X
}

# Column names of a stored embedding: "TSNE1", "TSNE2" as in scater, with an underscore after
# names that end in a digit ("TSNE_exaggeration_4_1", not "TSNE_exaggeration_41").
sce_dim_names <- function(name, d) {
  paste0(name, if (grepl("[0-9]$", name)) "_" else "", seq_len(d))
}

#' A stored embedding as a data frame
#'
#' Turns the reduced dimension `name` of a `SingleCellExperiment` into a `nembed_embedding` data
#' frame (columns `x`, `y` (and `z`), one row per cell, the cells' names as row names) with the
#' cells' `colData()` columns beside it, so that `autoplot()` ([autoplot.nembed_embedding()]) and
#' `plot()` ([plot.nembed_embedding()]) can colour by any of them. The run record stored by nembed is
#' kept.
#'
#' @param X A `SingleCellExperiment`.
#' @param name The reduced dimension's name.
#' @param col_data Add the `colData()` columns (those whose names do not clash with the
#'   coordinates).
#' @return A `nembed_embedding`.
#' @export
#' @examples
#' # (not run by default checks: loading Bioconductor's classes alone takes ~4 s)
#' \donttest{
#' if (requireNamespace("SingleCellExperiment", quietly = TRUE)) {
#'   sce <- SingleCellExperiment::SingleCellExperiment(
#'     list(logcounts = matrix(rnorm(50 * 40), 50, 40)),
#'     colData = data.frame(batch = rep(c("a", "b"), 20)))
#'   sce <- embed_pca(sce)
#'   head(sce_embedding(sce, "PCA"))
#' }
#' }
sce_embedding <- function(X, name, col_data = TRUE) {
  if (!is_sce(X)) {
    nembed_abort(sprintf("`X` must be a SingleCellExperiment, not %s.",
                         paste(class(X), collapse = "/")), "type", "X")
  }
  require_sce()
  check_flag(col_data, "col_data")
  check_member(check_name(name, "name"), SingleCellExperiment::reducedDimNames(X), "name",
               "a reduced dimension")
  Y <- SingleCellExperiment::reducedDim(X, name, withDimnames = FALSE)
  record <- attr(Y, "nembed_record") %||% list(method = name, params = list(), timings = NULL)
  emb <- new_embedding(as.matrix(Y), record, row_names = colnames(X))
  if (col_data) {
    cd <- as.data.frame(SummarizedExperiment::colData(X), optional = TRUE)
    keep <- setdiff(names(cd), names(emb))
    for (col in keep) emb[[col]] <- cd[[col]]
  }
  emb
}

# reducedDim(X, name) with its run record attribute, for embedding_record(). `arg` is the argument
# that chose the name: "name", or "embedding" when the default (the parametric model's) was used.
sce_stored <- function(X, name, arg = "name") {
  require_sce("embedding")
  check_stored_name(name, SingleCellExperiment::reducedDimNames(X), "reduced dimension", arg,
                    "sce_embedding")
  SingleCellExperiment::reducedDim(X, name, withDimnames = FALSE)
}

# `name` must be one of the `available` stored embeddings (`what`) of the object given as
# `embedding`. When the caller gave no name (arg = "embedding") the message says which default
# was looked for and how to choose another.
check_stored_name <- function(name, available, what, arg, as_frame) {
  if (arg == "name") return(check_member(name, available, "name", paste("a", what), "embedding"))
  if (!name %in% available) {
    nembed_abort(sprintf("`embedding` has no %s \"%s\" (where embed_parametric() stores its model); it has %s. Choose one with `name` (embed_transform(), embedding_record()) or as %s(embedding, name).",
                         what, name, if (length(available)) paste(sprintf("\"%s\"", available),
                                                                  collapse = ", ") else "none",
                         as_frame), "value", "embedding")
  }
  name
}

# New cells for a stored model, given as a single-cell object: the cells x features matrix of the
# same input the model was trained on, which the record's `sce_input` (or `seurat_input`) names.
# Anything else is returned as it is (a matrix is checked by the caller).
new_cells_matrix <- function(X_new, record, arg = "X_new") {
  if (is_sce(X_new)) return(sce_new_cells(X_new, record$sce_input, arg))
  if (is_seurat(X_new)) return(seurat_new_cells(X_new, record$seurat_input, arg))
  X_new
}

# The new cells of the SingleCellExperiment `X_new` as the embedding's input `source` (its
# sce_input): the same reduced dimension's columns, or the same genes of the same assay.
sce_new_cells <- function(X_new, source, arg = "X_new") {
  require_sce(arg)
  if (is.null(source)) {
    nembed_abort(sprintf("`%s` is a SingleCellExperiment, but the embedding was not made from one (its record has no `sce_input`), so which columns to use is unknown; give `%s` as a matrix.",
                         arg, arg), "type", arg)
  }
  abort_cols <- function(fmt, ...) nembed_abort(sprintf(fmt, arg, ...), "size", arg)
  if (identical(source$type, "dimred")) {
    available <- SingleCellExperiment::reducedDimNames(X_new)
    if (!source$dimred %in% available) {
      nembed_abort(sprintf("`%s` has no reduced dimension \"%s\", which the model was trained on; it has %s. The new cells must be in the same space (e.g. projected onto the training PCA).",
                           arg, source$dimred,
                           if (length(available)) paste(sprintf("\"%s\"", available),
                                                        collapse = ", ") else "none"),
                   "value", arg)
    }
    m <- as.matrix(SingleCellExperiment::reducedDim(X_new, source$dimred, withDimnames = FALSE))
    if (ncol(m) < max(source$columns)) {
      abort_cols("`%s`: reducedDim(X_new, \"%s\") has %d columns; the model was trained on columns %s.",
                 source$dimred, ncol(m), paste(range(source$columns), collapse = " to "))
    }
    m <- m[, source$columns, drop = FALSE]
  } else {
    available <- SummarizedExperiment::assayNames(X_new)
    if (!source$assay.type %in% available) {
      nembed_abort(sprintf("`%s` has no assay \"%s\", which the model was trained on; it has %s.",
                           arg, source$assay.type,
                           if (length(available)) paste(sprintf("\"%s\"", available),
                                                        collapse = ", ") else "none"),
                   "value", arg)
    }
    genes <- source$genes
    rows <- if (is.character(genes)) match(genes, rownames(X_new)) else genes
    if (anyNA(rows) || any(rows > nrow(X_new))) {
      missing <- if (is.character(genes)) genes[is.na(rows)] else genes[genes > nrow(X_new)]
      abort_cols("`%s` lacks %d of the %d genes the model was trained on (e.g. %s).",
                 length(missing), length(genes), paste(utils::head(missing, 3), collapse = ", "))
    }
    a <- SummarizedExperiment::assay(X_new, source$assay.type, withDimnames = FALSE)
    m <- as.matrix(Matrix::t(a[rows, , drop = FALSE]))
    colnames(m) <- if (is.character(genes)) genes else NULL
  }
  rownames(m) <- colnames(X_new)
  m
}

# SingleCellExperiment methods. Each generic's default method lives with the function; these
# only route the cells' matrix in and the result out.

# The record stored with a reducedDim, without the graph objects: a t-SNE run's affinities take
# about 13 MB per 5,000 cells (260 MB per 100,000), 80 times its coordinates, and would follow the
# object into every saveRDS().
sce_record <- function(record) {
  heavy <- vapply(record, function(el) inherits(el, c("nembed_affinities", "nembed_knn",
                                                      "sparseMatrix")), logical(1))
  if (any(heavy)) {
    P <- record$affinities
    if (inherits(P, "nembed_affinities") && !is.null(record$reference)) {
      # What continue_tsne() needs to rebuild them from the reference data (a few numbers).
      record$spec_affinities <- list(method = P$method, perplexity = P$perplexity, k = P$k,
                                     knn_method = P$knn$method, metric = P$knn$metric)
    }
    record$dropped <- names(record)[heavy]
    record[heavy] <- NULL
  }
  record
}

#' @rdname nembed_sce
#' @export
embed_pca.SingleCellExperiment <- function(X, ..., dimred = NULL, n_dimred = NULL,
                                           assay.type = exprs_values,
                                           exprs_values = "logcounts", ntop = 500,
                                           subset_row = NULL, name = "PCA") {
  # No PCA before the PCA: the n_pca step would only rotate the result.
  sce_embed(X, embed_pca, name = name, dimred = dimred, n_dimred = n_dimred,
            assay.type = assay.type, ntop = ntop, subset_row = subset_row, n_pca = NULL, ...)
}

#' @rdname nembed_sce
#' @method knn_graph SingleCellExperiment
#' @export
knn_graph.SingleCellExperiment <- function(X, ..., dimred = NULL, n_dimred = NULL,
                                           assay.type = exprs_values,
                                           exprs_values = "logcounts", ntop = 500,
                                           subset_row = NULL, n_pca = 50) {
  knn_graph(sce_cells(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca, ...), ...)
}

#' The HSMMSingleCell data as a SingleCellExperiment
#'
#' Builds a `SingleCellExperiment` from Bioconductor's HSMMSingleCell data (Trapnell et al. 2014:
#' 271 human skeletal muscle myoblasts profiled at 0, 24, 48 and 72 hours of differentiation;
#' Debian package `r-bioc-hsmmsinglecell`), the worked example of the single-cell vignette.
#'
#' Steps, kept simple so they can be checked by hand:
#' 1. `HSMM_expr_matrix` (FPKM, genes x cells) becomes assay `"fpkm"`; `HSMM_sample_sheet`
#'    (`Hours`, `Media`, `Pseudotime`, `State`, ...) becomes `colData()` and
#'    `HSMM_gene_annotation` (`gene_short_name`, `biotype`, ...) `rowData()`. Genes detected
#'    (FPKM > 0) in fewer than `min_cells` cells are dropped.
#' 2. Log-normalisation as scuttle's `logNormCounts()`: size factors are the cells' totals
#'    divided by their mean, and assay `"logcounts"` is `log2(fpkm / size_factor + 1)`.
#' 3. `embed_pca(sce, n_components = n_pca)`: PCA of the 500 most variable genes of
#'    `"logcounts"`, stored as `reducedDim(sce, "PCA")` (as scater's `runPCA()`).
#'
#' @param min_cells Keep genes detected in at least this many cells.
#' @param n_pca Number of principal components stored as `"PCA"` (0 for none).
#' @return A `SingleCellExperiment` with assays `fpkm` and `logcounts`, size factors in
#'   `colData(sce)$size_factor`, and reduced dimension `"PCA"`.
#' @source Trapnell C. et al. (2014). The dynamics and regulators of cell fate decisions are
#'   revealed by pseudotemporal ordering of single cells. *Nature Biotechnology* 32, 381-386.
#' @seealso [nembed_sce] for embedding it, `vignette("single-cell", package = "nembed")`.
#' @section Valid ranges: `r range_section("load_hsmm")`
#' @export
#' @examples
#' # Loading Bioconductor and the 47,192 x 271 matrix takes several seconds:
#' \donttest{
#' if (requireNamespace("SingleCellExperiment", quietly = TRUE) &&
#'     requireNamespace("HSMMSingleCell", quietly = TRUE)) {
#'   sce <- load_hsmm()
#'   sce
#'   table(SummarizedExperiment::colData(sce)$Hours)
#' }
#' }
load_hsmm <- function(min_cells = 10, n_pca = 50) {
  min_cells <- check_count(min_cells, "min_cells", lower = 0)
  n_pca <- check_count(n_pca, "n_pca", lower = 0)
  require_sce("sce")
  if (!requireNamespace("HSMMSingleCell", quietly = TRUE)) {
    nembed_abort("load_hsmm() needs the Bioconductor data package HSMMSingleCell (Debian: r-bioc-hsmmsinglecell).",
                 "dependency", "HSMMSingleCell")
  }
  env <- new.env(parent = emptyenv())
  utils::data("HSMM_expr_matrix", "HSMM_sample_sheet", "HSMM_gene_annotation",
              package = "HSMMSingleCell", envir = env)
  fpkm <- env$HSMM_expr_matrix
  keep <- rowSums(fpkm > 0) >= min_cells
  fpkm <- fpkm[keep, , drop = FALSE]
  size_factor <- colSums(fpkm) / mean(colSums(fpkm))
  logcounts <- log2(sweep(fpkm, 2, size_factor, "/") + 1)
  cells <- env$HSMM_sample_sheet
  cells$size_factor <- size_factor
  sce <- SingleCellExperiment::SingleCellExperiment(
    assays = list(fpkm = fpkm, logcounts = logcounts),
    colData = cells, rowData = env$HSMM_gene_annotation[keep, , drop = FALSE])
  if (n_pca > 0) sce <- embed_pca(sce, n_components = n_pca, name = "PCA")
  sce
}

# The SingleCellExperiment method of the embed_* generic named `fun`, storing its result under
# `name` by default. The generic is looked up by name when the method runs: this file is collated
# before the files that define the generics.
sce_embed_method <- function(fun, name) {
  method <- function(X, ..., dimred = NULL, n_dimred = NULL, assay.type = exprs_values,
                     exprs_values = "logcounts", ntop = 500, subset_row = NULL, n_pca = 50,
                     name) {
    sce_embed(X, get(fun, envir = topenv(), mode = "function"), name = name, dimred = dimred,
              n_dimred = n_dimred, assay.type = assay.type, ntop = ntop, subset_row = subset_row,
              n_pca = n_pca, ...)
  }
  formals(method)$name <- name
  method
}

#' @rdname nembed_sce
#' @method embed_tsne SingleCellExperiment
#' @export
embed_tsne.SingleCellExperiment <- sce_embed_method("embed_tsne", "TSNE")

#' @rdname nembed_sce
#' @method embed_umap SingleCellExperiment
#' @export
embed_umap.SingleCellExperiment <- sce_embed_method("embed_umap", "UMAP")

#' @rdname nembed_sce
#' @method embed_contrastive SingleCellExperiment
#' @export
embed_contrastive.SingleCellExperiment <- sce_embed_method("embed_contrastive", "CONTRASTIVE")

#' @rdname nembed_sce
#' @method embed_fa2 SingleCellExperiment
#' @export
embed_fa2.SingleCellExperiment <- sce_embed_method("embed_fa2", "FA2")

#' @rdname nembed_sce
#' @method embed_laplacian SingleCellExperiment
#' @export
embed_laplacian.SingleCellExperiment <- sce_embed_method("embed_laplacian", "LAPLACIAN")

#' @rdname nembed_sce
#' @method embed_spectrum SingleCellExperiment
#' @export
embed_spectrum.SingleCellExperiment <- function(X, ..., dimred = NULL, n_dimred = NULL,
                                                assay.type = exprs_values,
                                                exprs_values = "logcounts", ntop = 500,
                                                subset_row = NULL, n_pca = 50, name = NULL) {
  if (!is.null(name)) check_name(name, "name")
  inp <- sce_input(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca,
                   n_threads = dots_n_threads(...))
  sp <- embed_spectrum(inp$m, ...)
  records <- attr(sp, "records")
  panels <- levels(sp$panel)
  dims <- spectrum_panel_names(sp, name)
  for (i in seq_along(panels)) {
    rows <- which(sp$panel == panels[i])
    rows <- rows[order(sp$id[rows])]
    X <- sce_store(X, dims[i], cbind(sp$x[rows], sp$y[rows]), records[[i]], inp$source)
  }
  X
}

# reducedDim names of the panels of a nembed_spectrum, in panel order: "TSNE_exaggeration_4",
# "NEG_s_0.5" (the contrastive loss), "UMAP", "FA2", "LAPLACIAN"; after `prefix`_ when given.
spectrum_panel_names <- function(sp, prefix = NULL) {
  first <- match(levels(sp$panel), sp$panel)
  method <- as.character(sp$method[first])
  param <- if ("s" %in% names(sp)) "s" else "exaggeration"
  value <- sp[[param]][first]
  out <- ifelse(is.na(value), toupper(method),
                paste0(toupper(sub("^contrastive-", "", method)), "_", param, "_", format(value,
                                                                                          trim = TRUE)))
  out <- make.unique(out, sep = "_")
  if (!is.null(prefix)) out <- paste0(prefix, "_", out)
  out
}

#' @rdname nembed_sce
#' @method embed_wasserstein SingleCellExperiment
#' @param groups For [embed_wasserstein()]: the name of a `colData()` column, or a vector with one
#'   entry per cell, giving each cell's unit (sample, donor, ...).
#' @export
embed_wasserstein.SingleCellExperiment <- function(X, groups, ..., dimred = NULL, n_dimred = NULL,
                                                   assay.type = exprs_values,
                                                   exprs_values = "logcounts", ntop = 500,
                                                   subset_row = NULL, n_pca = 50) {
  inp <- sce_input(X, dimred, n_dimred, assay.type, ntop, subset_row, n_pca,
                   n_threads = dots_n_threads(...))
  if (is.character(groups) && length(groups) == 1L && ncol(X) > 1L) {
    cd <- SummarizedExperiment::colData(X)
    if (!groups %in% names(cd)) {
      nembed_abort(sprintf("`groups` = \"%s\" is not a colData() column of `X`; give a column name or one value per cell.",
                           groups), "value", "groups")
    }
    inp$source$groups <- groups
    groups <- cd[[groups]]
  }
  emb <- embed_wasserstein(inp$m, groups, ...)
  rec <- attr(emb, "nembed_record")
  rec$sce_input <- inp$source
  attr(emb, "nembed_record") <- rec
  emb
}

#' @rdname nembed_sce
#' @method spectral_distances SingleCellExperiment
#' @export
spectral_distances.SingleCellExperiment <- function(x, ..., dimred = NULL, n_dimred = NULL,
                                                    assay.type = exprs_values,
                                                    exprs_values = "logcounts", ntop = 500,
                                                    subset_row = NULL, n_pca = 50) {
  spectral_distances(sce_cells(x, dimred, n_dimred, assay.type, ntop, subset_row, n_pca, ...), ...)
}
