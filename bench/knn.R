# kNN benchmark: knn_graph (exact and HNSW, k = 15 and 90, 2 threads) against RcppHNSW-style
# search through uwot's/FNN's exact search, on Fashion-MNIST 70,000 x 50 (PCA). Recall is
# against nembed's exact graph. Run from the repository root: Rscript bench/knn.R
source("bench/common.R")
n <- as.integer(Sys.getenv("NEMBED_BENCH_N", "70000"))
f <- bench_input(n)
inp <- readRDS(f)
rows <- list()
exact <- list()
recall <- function(idx, ref) {
  s <- 0
  for (j in seq_len(ncol(ref))) s <- s + rowSums(idx == ref[, j])
  mean(s) / ncol(ref)
}
for (k in c(15, 90)) {
  runs <- list(
    nembed_exact = function(Z, k) knn_graph(Z, k = k, method = "exact", n_threads = 2)$idx,
    nembed_hnsw = function(Z, k) knn_graph(Z, k = k, method = "hnsw", n_threads = 2)$idx,
    FNN_kd_tree = NULL
  )
  runs <- Filter(Negate(is.null), runs)
  if (requireNamespace("RcppHNSW", quietly = TRUE)) {
    runs$RcppHNSW <- function(Z, k) {
      RcppHNSW::hnsw_knn(Z, k = k + 1, distance = "euclidean", n_threads = 2, M = 16,
                         ef_construction = 80, ef = k + 40)$idx[, -1]
    }
  }
  for (m in names(runs)) {
    if (m == "FNN_kd_tree" && k == 90) next  # minutes; the k = 15 rows make the point
    message(sprintf("[%s] k = %d ...", m, k))
    r <- callr::r(function(fun, input_file, k) {
      suppressPackageStartupMessages(library(nembed))
      Z <- readRDS(input_file)$Z
      t0 <- proc.time()[["elapsed"]]
      idx <- fun(Z, k)
      secs <- proc.time()[["elapsed"]] - t0
      st <- readLines("/proc/self/status")
      list(idx = idx, seconds = secs,
           peak_mb = as.numeric(gsub("[^0-9]", "", st[grepl("^VmHWM", st)])) / 1024)
    }, args = list(fun = runs[[m]], input_file = f, k = k))
    if (m == "nembed_exact") exact[[as.character(k)]] <- r$idx
    rows[[length(rows) + 1]] <- data.frame(method = m, n = n, k = k, seconds = round(r$seconds, 2),
                                           peak_mb = round(r$peak_mb),
                                           recall = round(recall(r$idx, exact[[as.character(k)]]), 4))
    print(rows[[length(rows)]], row.names = FALSE)
  }
}
# FNN's kd-tree degrades to brute force in 50 dimensions; compare it with nembed's exact search on
# a 20,000-point subset so the run stays short.
f20 <- bench_input(20000)
for (m in c("nembed_exact", "FNN_kd_tree")) {
  fun <- if (m == "nembed_exact") function(Z, k) knn_graph(Z, k = k, method = "exact", n_threads = 2)$idx
         else function(Z, k) FNN::get.knn(Z, k = k)$nn.index
  r <- callr::r(function(fun, input_file, k) {
    suppressPackageStartupMessages(library(nembed))
    Z <- readRDS(input_file)$Z
    t0 <- proc.time()[["elapsed"]]
    idx <- fun(Z, k)
    list(idx = idx, seconds = proc.time()[["elapsed"]] - t0)
  }, args = list(fun = fun, input_file = f20, k = 15))
  if (m == "nembed_exact") ex20 <- r$idx
  rows[[length(rows) + 1]] <- data.frame(method = m, n = 20000, k = 15, seconds = round(r$seconds, 2),
                                         peak_mb = NA, recall = round(recall(r$idx, ex20), 4))
  print(rows[[length(rows)]], row.names = FALSE)
}
save_table(do.call(rbind, rows), "knn", "Rscript bench/knn.R")
