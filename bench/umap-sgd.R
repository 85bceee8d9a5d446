# UMAP's SGD alone (umap_sgd_cpp, 200 epochs, the embed_umap defaults) on Fashion-MNIST 70,000
# (PCA 50): wall and CPU seconds, and the kNN accuracy and recall (k = 10, exact neighbours of the
# PCA-50 input) of the result. The graph and start come from one embed_umap run with seed 1 and
# are cached, so two builds of nembed time the same work; compare builds in alternating runs:
#   R_LIBS=<library> [TH=1,2] [SEED=1] [SIMD=avx|sse2|portable] Rscript bench/umap-sgd.R <label>
# SIMD chooses the vector path of the 2-D lanes (umap_lanes.hpp; builds from 2026-12-03 on).
args <- commandArgs(TRUE)
label <- if (length(args)) args[1] else "current"
source("bench/common.R")
cache <- Sys.getenv("NEMBED_BENCH_CACHE", tempdir())
f <- file.path(cache, "umap-graph-70k.rds")
if (!file.exists(f)) {
  inp <- readRDS(bench_input(70000, cache))
  e <- embed_umap(inp$Z, n_threads = 2, seed = 1, n_epochs = 1)
  r <- embedding_record(e)
  saveRDS(list(P = nembed:::as_weight_matrix(r$affinities$P, "X"), Y0 = as.matrix(e)[, 1:2],
               a = r$params$a, b = r$params$b, labels = inp$labels,
               truth = knn_graph(matrix(unclass(inp$Z), nrow(inp$Z)), k = 10, method = "exact", n_threads = 2)), f)
}
g <- readRDS(f)
threads <- as.integer(strsplit(Sys.getenv("TH", "1,2"), ",")[[1]])
seed <- as.integer(Sys.getenv("SEED", "1"))
run <- function(threads) {
  opts <- list(n_epochs = 200L, a = g$a, b = g$b, gamma = 1, negative_rate = 5, learning_rate = 1,
               seed = seed, n_threads = threads, verbose = FALSE)
  if (nzchar(Sys.getenv("SIMD"))) opts$simd <- Sys.getenv("SIMD")
  t <- system.time(Y <- nembed:::umap_sgd_cpp(g$Y0, g$P, opts))
  sprintf("%.2f s wall, %.2f s CPU, kNN accuracy %.4f, recall %.4f", t[["elapsed"]],
          t[["user.self"]] + t[["sys.self"]], knn_accuracy(Y, g$labels), knn_recall(g$truth, Y))
}
for (th in threads) cat(sprintf("%s, seed %d, %d thread(s): %s\n", label, seed, th, run(th)))
