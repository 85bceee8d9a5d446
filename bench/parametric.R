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
#   NEMBED_BENCH_SEED=2 NEMBED_BENCH_METHODS=parametric,infonce NEMBED_BENCH_LABEL=seed2 \
#     Rscript bench/parametric.R     (another seed, no t-SNE arm; writes parametric-seed2.{csv,md})
# cpu_seconds is the process's CPU time (user + system, both threads) of the embedding: on a
# shared machine it moves far less with the load than the wall time does.
suppressPackageStartupMessages(library(nembed))
source("bench/common.R")
n_threads <- 2L
methods <- strsplit(Sys.getenv("NEMBED_BENCH_METHODS", "parametric,infonce,tsne"), ",")[[1]]
epochs <- Sys.getenv("NEMBED_BENCH_EPOCHS", "")
epochs <- if (nzchar(epochs)) as.integer(epochs) else NULL
lr <- as.numeric(Sys.getenv("NEMBED_BENCH_LR", "3e-3"))  # the parametric learning rate (the default)
seed <- as.integer(Sys.getenv("NEMBED_BENCH_SEED", "1"))
label <- Sys.getenv("NEMBED_BENCH_LABEL", "")
batch <- as.integer(Sys.getenv("NEMBED_BENCH_BATCH", "1024"))  # the parametric batch size (the default)
list2env(fashion_split(), environment())  # X_train, X_test, y_train, y_test
test_accuracy_of <- function(Y_train, Y_test) test_accuracy(Y_train, Y_test, y_train, y_test, n_threads)


# timed() plus the CPU seconds (user + system, all threads) the expression used.
timed_cpu <- function(expr) {
  cpu0 <- sum(proc.time()[c("user.self", "sys.self")])
  out <- timed(expr)
  out$cpu <- sum(proc.time()[c("user.self", "sys.self")]) - cpu0
  out
}

row <- function(method, fit, tr) {
  Y_train <- as.matrix(fit$value)
  Y_test <- as.matrix(tr$value)
  acc_train <- knn_accuracy(Y_train, y_train, n_threads = n_threads)
  acc_test <- test_accuracy_of(Y_train, Y_test)
  tm <- embedding_record(fit$value)$timings
  data.frame(method = method, seed = seed, embed_seconds = round(fit$seconds, 1),
             cpu_seconds = round(fit$cpu, 1),
             optimisation_seconds = round(tm$optimisation %||% tm$optimize %||% NA, 1),
             transform_seconds = round(tr$seconds, 2),
             train_accuracy = round(acc_train, 4), test_accuracy = round(acc_test, 4),
             gap = round(acc_train - acc_test, 4))
}
`%||%` <- function(a, b) if (is.null(a)) b else a

load_before <- as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1:3])
rows <- list()
if ("parametric" %in% methods) {
  fit <- timed_cpu(embed_parametric(X_train, n_epochs = epochs, learning_rate = lr,
                                    batch_size = batch, n_threads = n_threads, seed = seed,
                                    verbose = TRUE))
  tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
  rows$parametric <- row(sprintf("parametric InfoNC-t-SNE (%d epochs, learning rate %g, batch %d)",
                                 embedding_record(fit$value)$params$n_epochs, lr, batch), fit, tr)
  print(rows$parametric)
}
if ("infonce" %in% methods) {
  fit <- timed_cpu(embed_contrastive(X_train, loss = "infonce", n_threads = n_threads,
                                     seed = seed))
  tr <- timed(embed_transform(fit$value, X_test, n_threads = n_threads))
  rows$infonce <- row("InfoNC-t-SNE (non-parametric)", fit, tr)
  print(rows$infonce)
}
if ("tsne" %in% methods) {
  fit <- timed_cpu(embed_tsne(X_train, n_threads = n_threads, seed = seed))
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
} else if (nzchar(label)) {
  name <- paste0("parametric-", label)
  env <- Sys.getenv(c("NEMBED_BENCH_SEED", "NEMBED_BENCH_METHODS", "NEMBED_BENCH_EPOCHS",
                      "NEMBED_BENCH_LR", "NEMBED_BENCH_BATCH", "NEMBED_BENCH_LABEL"))
  env <- env[nzchar(env)]
  save_table(tab, name, paste(c(paste0(names(env), "=", env), "Rscript bench/parametric.R"),
                              collapse = " "))
  cat(sprintf("\nLoad average (1/5/15 min) before: %s; after: %s. The machine is shared; absolute times are inflated by other sessions' work.\n",
              paste(load_before, collapse = " / "), paste(load_after, collapse = " / ")),
      file = file.path("bench/results", paste0(name, ".md")), append = TRUE)
} else {
  print(tab, row.names = FALSE)
}
