# Placing new points (issue 7): embed the 60,000 Fashion-MNIST training images, then place the
# 10,000 test images with embed_transform(), for t-SNE and UMAP. Reported: the training points'
# own kNN accuracy in 2-D (10 neighbours among the training points), the test points' kNN accuracy
# against the training labels (10 nearest training points in 2-D), their gap, and the transform's
# time as a fraction of the embedding's. uwot's umap() + umap_transform() on the same split for
# reference.
#
#   Rscript bench/transform.R        (writes bench/results/transform.{csv,md})
suppressPackageStartupMessages(library(nembed))
source("bench/common.R")
n_threads <- 2L
list2env(fashion_split(), environment())  # X_train, X_test, y_train, y_test
test_accuracy_of <- function(Y_train, Y_test) test_accuracy(Y_train, Y_test, y_train, y_test, n_threads)


row <- function(method, fit, tr, Y_train, Y_test) {
  acc_train <- knn_accuracy(Y_train, y_train, n_threads = n_threads)
  acc_test <- test_accuracy_of(Y_train, Y_test)
  data.frame(method = method, embed_seconds = round(fit$seconds, 1),
             transform_seconds = round(tr$seconds, 1),
             transform_fraction = round(tr$seconds / fit$seconds, 3),
             train_accuracy = round(acc_train, 4), test_accuracy = round(acc_test, 4),
             gap = round(acc_train - acc_test, 4))
}

rows <- list()
fit <- timed(embed_tsne(X_train, n_threads = n_threads, seed = 1))
tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
rows$tsne <- row("nembed t-SNE", fit, tr, as.matrix(fit$value), as.matrix(tr$value))

fit <- timed(embed_umap(X_train, n_threads = n_threads, seed = 1))
tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
rows$umap <- row("nembed UMAP", fit, tr, as.matrix(fit$value), as.matrix(tr$value))

if (requireNamespace("uwot", quietly = TRUE)) {
  # uwot on the same PCA-50 input nembed uses (its own PCA would differ only in sign/rotation).
  Z_train <- pca(X_train, 50)
  rot <- attr(Z_train, "rotation")
  Z_test <- sweep(X_test, 2, attr(Z_train, "center")) %*% rot
  Z_train <- unclass(Z_train)[, 1:50]
  attributes(Z_train) <- list(dim = dim(Z_train))
  set.seed(1)
  fit <- timed(uwot::umap(Z_train, n_threads = n_threads, ret_model = TRUE))
  tr <- timed(uwot::umap_transform(Z_test, fit$value, n_threads = n_threads))
  rows$uwot <- row("uwot umap + umap_transform", fit, tr, fit$value$embedding, tr$value)
}
tab <- do.call(rbind, rows)
rownames(tab) <- NULL
save_table(tab, "transform", "Rscript bench/transform.R")
