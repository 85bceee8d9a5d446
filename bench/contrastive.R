# The contrastive spectrum next to its two ends: embed_contrastive (NEG at s = 0, 0.5, 1 and
# InfoNCE, all defaults: 750 epochs, batches of 1,024, early exaggeration) beside embed_tsne and
# embed_umap (defaults), on Fashion-MNIST PCA-50, 2 threads. Each method runs in its own R process
# (callr), so its wall time is its own. Scores: kNN accuracy (k = 10), kNN recall (k = 10, exact
# neighbours of the PCA-50 input), tightness (median distance to the 10th neighbour in the
# embedding / median pairwise distance of 2,000 sampled points; lower is tighter), the partition sum
# sum_{i != j} 1 / (1 + d_ij^2) of the layout (from 2,000 sampled rows above 5,000 points) and, for
# NEG, the fixed Zbar it aims at. Run from the repository root:
#   Rscript bench/contrastive.R                  (n = 70,000)
#   NEMBED_BENCH_N=5000 Rscript bench/contrastive.R
# Writes bench/results/contrastive-<n>.md and .csv.
source("bench/common.R")
sizes <- as.integer(strsplit(Sys.getenv("NEMBED_BENCH_N", "70000"), ",")[[1]])
methods <- list(
  tsne = function(Z) embed_tsne(Z, n_threads = 2, seed = 1),
  neg_s0 = function(Z) embed_contrastive(Z, loss = "neg", s = 0, n_threads = 2, seed = 1),
  neg_s0.5 = function(Z) embed_contrastive(Z, loss = "neg", s = 0.5, n_threads = 2, seed = 1),
  neg_s1 = function(Z) embed_contrastive(Z, loss = "neg", s = 1, n_threads = 2, seed = 1),
  infonce = function(Z) embed_contrastive(Z, loss = "infonce", n_threads = 2, seed = 1),
  umap = function(Z) embed_umap(Z, n_threads = 2, seed = 1)
)
only <- Sys.getenv("NEMBED_BENCH_METHODS")
if (nzchar(only)) methods <- methods[strsplit(only, ",")[[1]]]

source("bench/contrastive-measures.R")

rows <- list()
for (n in sizes) {
  f <- bench_input(n)
  inp <- readRDS(f)
  nn <- knn_graph(inp$Z, k = 10, method = "exact", n_threads = 2)
  for (m in names(methods)) {
    message(format(Sys.time(), "%H:%M:%S "), sprintf("[%s] n = %d ...", m, n))
    r <- callr::r(function(fun, input_file) {
      suppressPackageStartupMessages(library(nembed))
      inp <- readRDS(input_file)
      t0 <- proc.time()[["elapsed"]]
      emb <- fun(inp$Z)
      secs <- proc.time()[["elapsed"]] - t0
      rec <- embedding_record(emb)
      list(Y = as.matrix(emb)[, 1:2], seconds = secs,
           Zbar = if (is.null(rec$Zbar)) NA_real_ else rec$Zbar)
    }, args = list(fun = methods[[m]], input_file = f), show = FALSE)
    rows[[length(rows) + 1]] <- data.frame(
      method = m, n = n, seconds = round(r$seconds, 1),
      knn_accuracy = round(knn_accuracy(r$Y, inp$labels, k = 10, n_threads = 2), 4),
      knn_recall = round(knn_recall(nn, r$Y, k = 10, n_threads = 2), 4),
      tightness = round(tightness(r$Y), 4),
      partition_sum = signif(partition_sum(r$Y), 3), Zbar = signif(r$Zbar, 3))
    print(rows[[length(rows)]], row.names = FALSE)
  }
}
tab <- do.call(rbind, rows)
tab$time_vs_tsne <- NA_real_
for (n in unique(tab$n)) {
  ref <- tab$seconds[tab$n == n & tab$method == "tsne"]
  if (length(ref)) tab$time_vs_tsne[tab$n == n] <- round(tab$seconds[tab$n == n] / ref, 2)
}
save_table(tab, paste0("contrastive-", paste(sizes, collapse = "-")),
           sprintf("NEMBED_BENCH_N=%s Rscript bench/contrastive.R", paste(sizes, collapse = ",")))
