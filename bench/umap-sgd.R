# UMAP's SGD alone (umap_sgd_cpp, 200 epochs, the embed_umap defaults) on Fashion-MNIST 70,000
# (PCA 50), 1 and 2 threads: wall and CPU seconds. The graph and start come from one embed_umap
# run with seed 1 and are cached, so two builds of nembed time the same work:
#   R_LIBS=<library> Rscript bench/umap-sgd.R <label>
# With a build that knows the test hook `generic_kernel` (2026-12-03 on) it also times the loss for
# any dimension, whose two-head step runs the one-head step twice (the fused 2-D step's baseline).
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
               a = r$params$a, b = r$params$b), f)
}
g <- readRDS(f)
probe <- tryCatch({
  nembed:::umap_sgd_cpp(g$Y0, g$P, list(n_epochs = 1L, generic_kernel = TRUE, n_threads = 1L))
  ""
}, error = conditionMessage)
has_hook <- !grepl("generic_kernel", probe)
run <- function(threads, generic = FALSE) {
  opts <- list(n_epochs = 200L, a = g$a, b = g$b, gamma = 1, negative_rate = 5, learning_rate = 1,
               seed = 1L, n_threads = threads, verbose = FALSE)
  if (has_hook) opts$generic_kernel <- generic
  t <- system.time(nembed:::umap_sgd_cpp(g$Y0, g$P, opts))
  sprintf("%.2f s wall, %.2f s CPU", t[["elapsed"]], t[["user.self"]] + t[["sys.self"]])
}
for (threads in 1:2) {
  cat(sprintf("%s, %d thread(s): %s", label, threads, run(threads)))
  if (has_hook) cat(sprintf(" | generic loss: %s", run(threads, TRUE)))
  cat("\n")
}
