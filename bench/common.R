# Shared benchmark plumbing: each method runs in a fresh R process (callr) so that its wall time
# and peak memory (VmHWM) are its own; quality is scored in the parent with nembed's measures.
suppressPackageStartupMessages(library(nembed))

bench_input <- function(n, cache_dir = tempdir()) {
  f <- file.path(cache_dir, sprintf("fmnist-pca50-%d.rds", n))
  if (!file.exists(f)) {
    fm <- load_fashion_mnist(n = if (n < 70000) n else NULL)
    saveRDS(list(Z = pca(fm$X, 50), labels = fm$labels), f)
  }
  f
}

# Runs fun(Z) in a child R process; returns list(result, seconds, peak_mb).
run_isolated <- function(fun, input_file, ...) {
  callr::r(function(fun, input_file, ...) {
    suppressPackageStartupMessages(library(nembed))
    inp <- readRDS(input_file)
    gc(reset = TRUE)
    t0 <- proc.time()[["elapsed"]]
    res <- fun(inp$Z, ...)
    secs <- proc.time()[["elapsed"]] - t0
    st <- readLines("/proc/self/status")
    hwm <- as.numeric(gsub("[^0-9]", "", st[grepl("^VmHWM", st)])) / 1024
    list(result = as.matrix(res)[, 1:2], seconds = secs, peak_mb = hwm)
  }, args = list(fun = fun, input_file = input_file, ...), show = FALSE)
}

score <- function(name, n, run, input_file, n_threads = 2) {
  inp <- readRDS(input_file)
  data.frame(method = name, n = n, seconds = round(run$seconds, 1),
             peak_mb = round(run$peak_mb), knn_accuracy = round(knn_accuracy(run$result, inp$labels,
                                                                               n_threads = n_threads), 4),
             knn_recall = round(knn_recall(inp$Z, run$result, n_threads = n_threads), 4))
}

save_table <- function(tab, name, command) {
  dir.create("bench/results", showWarnings = FALSE, recursive = TRUE)
  utils::write.csv(tab, file.path("bench/results", paste0(name, ".csv")), row.names = FALSE)
  md <- c(sprintf("# %s", name), "", sprintf("Command: `%s`  ", command),
          sprintf("Date: %s, machine: %d cores, R %s", format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"),
                  parallel::detectCores(), getRversion()), "",
          paste("|", paste(names(tab), collapse = " | "), "|"),
          paste("|", paste(rep("---", ncol(tab)), collapse = " | "), "|"),
          apply(tab, 1, function(r) paste("|", paste(r, collapse = " | "), "|")))
  writeLines(md, file.path("bench/results", paste0(name, ".md")))
  print(tab, row.names = FALSE)
}

# Accuracy of test points voted by their 10 nearest training points in the embedding (the train
# labels vote; kNN accuracy of a transform or a parametric map).
test_accuracy <- function(Y_train, Y_test, y_train, y_test, n_threads = 2) {
  nb <- nembed:::knn_query_cpp(Y_train, Y_test, list(k = 10L, metric = "euclidean",
                                                     n_threads = n_threads))$idx
  lab <- as.integer(y_train)
  mean(nembed:::majority_vote(matrix(lab[nb], nrow = nrow(Y_test)), nlevels(y_train)) ==
         as.integer(y_test))
}

# The value of `expr` and the seconds it took.
timed <- function(expr) {
  t0 <- proc.time()[["elapsed"]]
  v <- expr
  list(value = v, seconds = proc.time()[["elapsed"]] - t0)
}

# Fashion-MNIST's 60,000 training and 10,000 test images, with their labels.
fashion_split <- function() {
  fm <- load_fashion_mnist()
  train <- fm$split == "train"
  list(X_train = fm$X[train, ], X_test = fm$X[!train, ], y_train = fm$labels[train],
       y_test = fm$labels[!train])
}
