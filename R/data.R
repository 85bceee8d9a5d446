#' Load Fashion-MNIST
#'
#' Reads the gzipped idx files of Fashion-MNIST (Debian package `dataset-fashion-mnist`): the
#' 60,000 training and 10,000 test images, 28 x 28 grey levels scaled to \[0, 1\], with their
#' labels as a factor of the ten class names.
#'
#' @param n `NULL` for all 70,000 images, or the size of a random subset stratified by class.
#' @param path Folder holding `train-images-idx3-ubyte.gz` and the three other files.
#' @param seed Seed for drawing the subset.
#' @param which `"all"`, `"train"` or `"test"`.
#' @return A list with `X` (a numeric matrix, one row per image, 784 columns), `labels` (a factor)
#'   and `split` (a factor, `"train"` or `"test"`).
#' @export
#' @examples
#' if (file.exists("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz")) {
#'   fm <- load_fashion_mnist(n = 500, which = "test")
#'   dim(fm$X)
#'   table(fm$labels)
#' }
load_fashion_mnist <- function(n = NULL, path = "/usr/share/datasets/fashion-mnist", seed = 1,
                               which = c("all", "train", "test")) {
  which <- check_choice(which, c("all", "train", "test"), "which")
  parts <- switch(which, all = c("train", "t10k"), train = "train", test = "t10k")
  files <- c(paste0(parts, "-images-idx3-ubyte.gz"), paste0(parts, "-labels-idx1-ubyte.gz"))
  missing <- files[!file.exists(file.path(path, files))]
  if (length(missing)) {
    nembed_abort(sprintf("Fashion-MNIST files not found in '%s': %s. Install them with `apt-get install dataset-fashion-mnist` (Debian) or point `path` at a folder holding the idx .gz files.",
                         path, paste(missing, collapse = ", ")), "dependency", "path")
  }
  read_part <- function(part) {
    list(X = read_idx_images(file.path(path, paste0(part, "-images-idx3-ubyte.gz"))),
         y = read_idx_labels(file.path(path, paste0(part, "-labels-idx1-ubyte.gz"))))
  }
  data <- lapply(parts, read_part)
  X <- do.call(rbind, lapply(data, `[[`, "X"))
  y <- unlist(lapply(data, `[[`, "y"))
  split <- factor(rep(ifelse(parts == "train", "train", "test"),
                      vapply(data, function(d) length(d$y), integer(1))),
                  levels = c("train", "test"))
  classes <- c("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")
  labels <- factor(classes[y + 1L], levels = classes)
  if (!is.null(n)) {
    n <- check_count(n, "n", lower = 1, upper = nrow(X))
    keep <- with_seed(check_count(seed, "seed", lower = 0), stratified_sample(labels, n))
    X <- X[keep, , drop = FALSE]
    labels <- labels[keep]
    split <- split[keep]
  }
  list(X = X, labels = labels, split = split)
}

stratified_sample <- function(labels, n) {
  per <- split(seq_along(labels), labels)
  share <- lengths(per) / length(labels)
  take <- floor(share * n)
  rest <- n - sum(take)
  if (rest > 0) {
    extra <- order(-(share * n - take))[seq_len(rest)]
    take[extra] <- take[extra] + 1
  }
  idx <- unlist(Map(function(ix, m) ix[sample.int(length(ix), m)], per, take), use.names = FALSE)
  sort(idx)
}

read_idx_images <- function(file) {
  con <- gzfile(file, "rb")
  on.exit(close(con))
  hdr <- readBin(con, "integer", n = 4, size = 4, endian = "big")
  if (hdr[1] != 2051L) nembed_abort(sprintf("'%s' is not an idx image file.", file), "value", "path")
  n <- hdr[2]
  p <- hdr[3] * hdr[4]
  px <- readBin(con, "raw", n = n * p)
  matrix(as.integer(px), nrow = n, ncol = p, byrow = TRUE) / 255
}

read_idx_labels <- function(file) {
  con <- gzfile(file, "rb")
  on.exit(close(con))
  hdr <- readBin(con, "integer", n = 2, size = 4, endian = "big")
  if (hdr[1] != 2049L) nembed_abort(sprintf("'%s' is not an idx label file.", file), "value", "path")
  as.integer(readBin(con, "raw", n = hdr[2]))
}

#' Principal component analysis by truncated SVD
#'
#' Centres the columns (optionally scales them) and returns the scores on the first
#' `n_components` principal components. This is nembed's default preprocessing: embedding
#' functions reduce inputs with more than 50 columns to 50 principal components with it.
#'
#' Three routes give the same components (up to the sign convention below):
#' * dense input whose smaller side has at most 4,000 entries (the usual shape: many points, up to
#'   a few thousand features, or few points): the eigendecomposition of the Gram matrix of the
#'   centred data, formed in nembed's C++ core by blocked, multi-threaded rank updates (Eigen; R's
#'   BLAS is not used). On Fashion-MNIST (70,000 x 784, 50 components) this is several times
#'   faster than irlba and agrees with it to within 1e-6 in explained variance (`bench/pca.R`).
#'   Forming `t(X) %*% X` squares the condition number, which costs nothing for the leading
#'   components an embedding uses but makes components with variance below about 1e-10 of the
#'   first one meaningless;
#' * sparse `dgCMatrix` input, and dense input larger on both sides: irlba's truncated SVD, which
#'   never densifies or forms a Gram matrix;
#' * inputs with at most 100 rows or columns, or `n_components` more than half of them: a full
#'   SVD.
#'
#' The result is the same for any `n_threads`.
#' @param X A numeric matrix, data frame of numeric columns or `dgCMatrix` (rows are points).
#' @param n_components Number of components; capped at `min(dim(X))`.
#' @param center,scale Centre and/or scale the columns first.
#' @param seed Seed for irlba's random start (results are reproducible for a seed).
#' @param n_threads Number of threads for the Gram route; see [default_threads()].
#' @return A matrix of scores (n x n_components, columns `PC1`, ...) with attributes `sdev`,
#'   `rotation` and `center`.
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
  small <- min(dim(X)) <= 100 || nc > 0.5 * min(dim(X))
  if (small || (!sparse && nc >= min(dim(X)) - 1)) {
    Xc <- sweep(sweep(as.matrix(X), 2, mu), 2, sdv, "/")
    s <- svd(Xc, nu = nc, nv = nc)
    d <- s$d[seq_len(nc)]
    ud <- sweep(s$u, 2, d, "*")
    v <- s$v
  } else if (!sparse && min(dim(X)) <= 4000L) {
    s <- pca_gram_cpp(X, mu, sdv, list(k = nc, n_threads = n_threads))
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
