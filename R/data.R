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
#' @section Valid ranges: `r range_section("load_fashion_mnist")`
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
