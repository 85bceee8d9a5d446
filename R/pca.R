# Principal component analysis: pca() (the preprocessing every embed_* shares) and embed_pca().

#' Principal component analysis by truncated SVD
#'
#' Centres the columns (optionally scales them) and returns the scores on the first
#' `n_components` principal components. This is nembed's default preprocessing: embedding
#' functions reduce inputs with more than 50 columns to 50 principal components with it.
#'
#' Three routes give the same components (up to the sign convention below):
#' * dense input whose smaller side has at most 4,000 entries and whose larger side has more (the
#'   usual shape: many points, up to a few thousand features, or few points): the eigendecomposition of the Gram matrix of the
#'   centred data, formed in nembed's C++ core by blocked, multi-threaded rank updates (Eigen; R's
#'   BLAS is not used). On Fashion-MNIST (70,000 x 784, 50 components) this is several times
#'   faster than irlba and agrees with it to within 1e-6 in explained variance (`bench/pca.R`).
#'   Forming `t(X) %*% X` squares the condition number, which costs nothing for the leading
#'   components an embedding uses but makes components with variance below about 1e-10 of the
#'   first one meaningless;
#' * sparse `dgCMatrix` input, and dense input larger on both sides: irlba's truncated SVD, which
#'   never densifies or forms a Gram matrix;
#' * inputs with at most 100 rows or columns and at most 4,000 of the other, or `n_components`
#'   more than half of the smaller side: a full SVD.
#'
#' The result is the same for any `n_threads`.
#' @param X A numeric matrix, data frame of numeric columns or `dgCMatrix` (rows are points).
#' @param n_components Number of components; capped at `min(dim(X))`.
#' @param center,scale Centre and/or scale the columns first.
#' @param seed Seed for irlba's random start (results are reproducible for a seed).
#' @param n_threads Number of threads for the Gram route; see [default_threads()].
#' @return A matrix of scores (n x n_components, columns `PC1`, ...) with attributes `sdev`,
#'   `rotation` and `center`.
#' @section Valid ranges: `r range_section("pca")`
#' @export
#' @examples
#' Z <- pca(as.matrix(iris[, 1:4]), n_components = 2)
#' head(Z)
pca <- function(X, n_components = 50, center = TRUE, scale = FALSE, seed = 1, n_threads = NULL) {
  sparse <- inherits(X, "sparseMatrix")
  X <- as_data_matrix(X, "X", allow_sparse = TRUE)
  n_components <- check_count(n_components, "n_components", lower = 1)
  seed <- check_count(seed, "seed", lower = 0)  # checked even where only small data skip irlba
  check_flag(center, "center")
  check_flag(scale, "scale")
  n_threads <- default_threads(n_threads)
  nc <- min(n_components, nrow(X), ncol(X))
  mu <- if (center) Matrix::colMeans(X) else rep(0, ncol(X))
  sdv <- if (scale) {
    s <- sqrt(pmax(Matrix::colMeans(X^2) - mu^2, 0) * nrow(X) / (nrow(X) - 1))
    s[s == 0] <- 1
    s
  } else rep(1, ncol(X))
  # A full SVD of a tall, narrow matrix also forms its left singular vectors: 0.5 s for the
  # two-component PCA initialisation of 70,000 x 50 (t-SNE's), where the Gram route takes 0.03 s.
  small <- (min(dim(X)) <= 100 && max(dim(X)) <= 4000L) || nc > 0.5 * min(dim(X))
  if (small || (!sparse && nc >= min(dim(X)) - 1)) {
    Xc <- sweep(sweep(as.matrix(X), 2, mu), 2, sdv, "/")
    s <- svd(Xc, nu = nc, nv = nc)
    d <- s$d[seq_len(nc)]
    ud <- sweep(s$u, 2, d, "*")
    v <- s$v
  } else if (!sparse && min(dim(X)) <= 4000L) {
    s <- core_call(pca_gram_cpp(X, mu, sdv, list(k = nc, n_threads = n_threads)))
    d <- s$d
    ud <- s$u_d
    v <- s$v
  } else {
    s <- with_seed(check_count(seed, "seed", lower = 0),
                   irlba::irlba(X, nv = nc, nu = nc, center = mu, scale = sdv))
    d <- s$d
    ud <- sweep(s$u, 2, d, "*")
    v <- s$v
  }
  # Fix signs so the largest-magnitude loading of each component is positive (reproducible).
  sgn <- sign(v[cbind(max.col(abs(t(v)), ties.method = "first"), seq_len(nc))])
  sgn[sgn == 0] <- 1
  flip <- which(sgn < 0)
  scores <- ud
  if (length(flip)) scores[, flip] <- -ud[, flip]
  dimnames(scores) <- list(rownames(X), paste0("PC", seq_len(nc)))
  attr(scores, "sdev") <- d / sqrt(max(1, nrow(X) - 1))
  attr(scores, "rotation") <- sweep(v, 2, sgn, "*")
  attr(scores, "center") <- mu
  scores
}

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
#' @section Valid ranges: `r range_section("embed_pca")`
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
  ctx <- nembed_context(n_threads, seed)
  Xm <- as_data_matrix(X, "X", min_rows = 2L, allow_sparse = TRUE)
  n_components <- check_count(n_components, "n_components", lower = 1,
                              upper = min(dim(Xm)))
  scores <- stage(ctx, "pca", pca(Xm, n_components = n_components, center = center, scale = scale,
                                  seed = ctx$seed, n_threads = ctx$n_threads))
  total_var <- total_variance(Xm, center, scale)
  sdev <- attr(scores, "sdev")
  record <- new_record(ctx, "pca", list(n_components = n_components, center = center, scale = scale),
                       init = "none", inputs = list(type = "data", n = nrow(Xm), n_features = ncol(Xm)),
                       extra = list(sdev = sdev, percent_var = 100 * sdev^2 / total_var,
                                    rotation = attr(scores, "rotation"),
                                    center = attr(scores, "center")))
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
