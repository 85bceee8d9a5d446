# A small SingleCellExperiment with three groups of cells, and an independent PCA stored as "PCA".
make_test_sce <- function(n_per = 30, n_genes = 120, seed = 1) {
  set.seed(seed)
  n <- 3 * n_per
  group <- rep(c("a", "b", "c"), each = n_per)
  means <- matrix(stats::rexp(3 * n_genes, 1 / 2), n_genes, 3)
  counts <- matrix(stats::rpois(n_genes * n, means[, match(group, c("a", "b", "c"))]), n_genes, n,
                   dimnames = list(sprintf("gene%03d", seq_len(n_genes)),
                                   sprintf("cell%03d", seq_len(n))))
  logcounts <- log2(counts + 1)
  sce <- SingleCellExperiment::SingleCellExperiment(
    assays = list(counts = counts, logcounts = logcounts),
    colData = data.frame(group = group, depth = colSums(counts)))
  pcs <- stats::prcomp(t(logcounts))$x[, 1:10]
  SingleCellExperiment::reducedDim(sce, "PCA") <- pcs
  sce
}

# A stand-in for an embed_* function: returns the first two columns of its input as the
# embedding and remembers what it was given.
spy_embedder <- function() {
  env <- new.env()
  env$fun <- function(X, ...) {
    env$input <- X
    env$dots <- list(...)
    nembed:::new_embedding(X[, 1:2, drop = FALSE] * 2,
                           list(method = "spy", params = list(...), timings = list()),
                           row_names = rownames(X))
  }
  env
}

# Equal up to the sign of each column (principal components).
expect_equal_up_to_sign <- function(a, b, tolerance = 1e-8) {
  a <- as.matrix(a)
  b <- as.matrix(b)
  a <- matrix(as.numeric(a), nrow(a))
  b <- matrix(as.numeric(b), nrow(b))
  s <- sign(colSums(a * b))
  s[s == 0] <- 1
  expect_equal(sweep(a, 2, s, "*"), b, tolerance = tolerance)
}
