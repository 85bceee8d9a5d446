#' PCA as an embedding
#'
#' The first `n_components` principal components of `X` (see [pca()]) as a `nembed_embedding`, so
#' that the linear baseline can be scored, plotted and stored like every other embedding. For a
#' `SingleCellExperiment`, `embed_pca(sce)` computes the PCA of the `ntop = 500` most variable
#' genes of `"logcounts"` and stores it as `reducedDim(sce, "PCA")` (as scater's `runPCA()` does,
#' with columns `PCA1`, `PCA2`, ...); see [nembed_sce] (and [nembed_seurat] for a `Seurat`
#' object).
#'
#' @param X A numeric matrix, data frame of numeric columns or `dgCMatrix` (rows are points), or
#'   a `SingleCellExperiment` ([nembed_sce]) or `Seurat` object ([nembed_seurat]).
#' @param n_components Number of components.
#' @param center,scale Centre (and scale to unit variance) the columns first.
#' @param seed Seed for irlba's random start on large input (the result is reproducible for a
#'   seed and does not depend on threads).
#' @param n_threads Number of threads; see [default_threads()]. The result does not depend on it.
#' @param ... For a `SingleCellExperiment`, the arguments of [nembed_sce]; for a `Seurat` object
#'   those of [nembed_seurat]; otherwise unused.
#' @return A `nembed_embedding` (columns `x`, `y` (and `z`), or `dim1`, `dim2`, ... above three
#'   components). Its record ([embedding_record()]) holds `sdev`, `percent_var` (the share of the
#'   total variance of the (centred, scaled) columns each component explains), `rotation` and
#'   `center`.
#' @export
#' @examples
#' X <- as.matrix(iris[, 1:4])
#' emb <- embed_pca(X)
#' head(emb)
#' embedding_record(emb)$percent_var
embed_pca <- function(X, ...) UseMethod("embed_pca")

#' @rdname embed_pca
#' @export
embed_pca.default <- function(X, n_components = 2, center = TRUE, scale = FALSE, seed = 1,
                              n_threads = NULL, ...) {
  reject_dots("embed_pca", ...)
  t0 <- proc.time()[["elapsed"]]
  Xm <- as_data_matrix(X, "X", min_rows = 2L, allow_sparse = TRUE)
  n_components <- check_count(n_components, "n_components", lower = 1,
                              upper = min(dim(Xm)))
  n_threads <- default_threads(n_threads)
  scores <- pca(Xm, n_components = n_components, center = center, scale = scale, seed = seed,
                n_threads = n_threads)
  total_var <- total_variance(Xm, center, scale)
  sdev <- attr(scores, "sdev")
  record <- list(method = "pca",
                 params = list(n_components = n_components, center = center, scale = scale,
                               seed = seed, n_threads = n_threads),
                 sdev = sdev, percent_var = 100 * sdev^2 / total_var,
                 rotation = attr(scores, "rotation"), center = attr(scores, "center"),
                 timings = list(pca = proc.time()[["elapsed"]] - t0))
  new_embedding(unname(scores[, seq_len(n_components), drop = FALSE]), record,
                row_names = rownames(Xm))
}

# Sum of the column variances after the centring and scaling pca() applies.
total_variance <- function(X, center, scale) {
  n <- nrow(X)
  mu <- Matrix::colMeans(X)
  ss <- Matrix::colSums(X^2) - if (center) n * mu^2 else 0
  v <- pmax(ss, 0) / (n - 1)
  if (scale) {
    s2 <- pmax(Matrix::colSums(X^2) - n * mu^2, 0) / (n - 1)
    v <- ifelse(s2 > 0, v / s2, v)
  }
  sum(v)
}
