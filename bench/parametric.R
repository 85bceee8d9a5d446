# Parametric neighbour embeddings (issue 17): train on the 60,000 Fashion-MNIST training images,
# place the 10,000 test images with embed_transform(), side by side with non-parametric
# InfoNC-t-SNE (embed_contrastive(loss = "infonce")) and t-SNE in the same run, 2 threads.
# Reported per method: wall time of the embedding (PCA, kNN graph and optimisation included), the
# training points' kNN accuracy in 2-D (10 neighbours), the test points' kNN accuracy (their 10
# nearest training points in 2-D vote), the gap, and the time to place the test points.
# Targets: parametric run <= 5 min, transform of 10k < 1 s, train accuracy within 0.03 of
# InfoNC-t-SNE, test accuracy within 0.02 of train.
#
#   Rscript bench/parametric.R                 (writes bench/results/parametric.{csv,md})
#   NEMBED_BENCH_METHODS=parametric NEMBED_BENCH_EPOCHS=2 Rscript bench/parametric.R   (probe)
#   NEMBED_BENCH_METHODS=parametric NEMBED_BENCH_LR=1e-3 Rscript bench/parametric.R   (contrastive-ne's rate)
suppressPackageStartupMessages(library(nembed))
source("bench/common.R")
n_threads <- 2L
methods <- strsplit(Sys.getenv("NEMBED_BENCH_METHODS", "parametric,infonce,tsne"), ",")[[1]]
epochs <- Sys.getenv("NEMBED_BENCH_EPOCHS", "")
epochs <- if (nzchar(epochs)) as.integer(epochs) else NULL
lr <- as.numeric(Sys.getenv("NEMBED_BENCH_LR", "3e-3"))  # the parametric learning rate (the default)
list2env(fashion_split(), environment())  # X_train, X_test, y_train, y_test
test_accuracy_of <- function(Y_train, Y_test) test_accuracy(Y_train, Y_test, y_train, y_test, n_threads)


row <- function(method, fit, tr) {
  Y_train <- as.matrix(fit$value)
  Y_test <- as.matrix(tr$value)
  acc_train <- knn_accuracy(Y_train, y_train, n_threads = n_threads)
  acc_test <- test_accuracy_of(Y_train, Y_test)
  tm <- embedding_record(fit$value)$timings
  data.frame(method = method, embed_seconds = round(fit$seconds, 1),
             optimisation_seconds = round(tm$optimisation %||% tm$optimize %||% NA, 1),
             transform_seconds = round(tr$seconds, 2),
             train_accuracy = round(acc_train, 4), test_accuracy = round(acc_test, 4),
             gap = round(acc_train - acc_test, 4))
}
`%||%` <- function(a, b) if (is.null(a)) b else a

load_before <- as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3])
rows <- list()
if ("parametric" %in% methods) {
  fit <- timed(embed_parametric(X_train, n_epochs = epochs, learning_rate = lr,
                                n_threads = n_threads, seed = 1, verbose = TRUE))
  tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
  rows$parametric <- row(sprintf("parametric InfoNC-t-SNE (%d epochs, learning rate %g)",
                                 embedding_record(fit$value)$params$n_epochs, lr), fit, tr)
  print(rows$parametric)
}
if ("infonce" %in% methods) {
  fit <- timed(embed_contrastive(X_train, loss = "infonce", n_threads = n_threads, seed = 1))
  tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
  rows$infonce <- row("InfoNC-t-SNE (non-parametric)", fit, tr)
  print(rows$infonce)
}
if ("tsne" %in% methods) {
  fit <- timed(embed_tsne(X_train, n_threads = n_threads, seed = 1))
  tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
  rows$tsne <- row("t-SNE", fit, tr)
  print(rows$tsne)
}
load_after <- as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3])
tab <- do.call(rbind, rows)
if (identical(sort(methods), sort(c("parametric", "infonce", "tsne")))) {
  save_table(tab, "parametric", "Rscript bench/parametric.R")
  cat(sprintf("\nLoad average (1/5/15 min) before: %s; after: %s. The machine is shared; absolute times are inflated by other sessions' work.\n",
              paste(load_before, collapse = " / "), paste(load_after, collapse = " / ")),
      file = "bench/results/parametric.md", append = TRUE)
} else {
  print(tab, row.names = FALSE)
}
