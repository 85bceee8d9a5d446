# Is the contrastive engine's gap to t-SNE the method's own or nembed's? Runs the literal R
# transcription of contrastive-ne's mini-batch SGD (tests/testthat/helper-contrastive-reference.R)
# and embed_contrastive on the same binary kNN graph (k = 15) from the same start (PCA of the input,
# first coordinate's sd = 1) with the same settings, next to t-SNE and UMAP (defaults) and to the
# levers that may move Neg-t-SNE towards t-SNE (more negatives, Zbar = a t-SNE layout's partition
# sum, more epochs, the paper's two-run protocol). Fashion-MNIST PCA-50, one thread each, so the
# `cpu_seconds` column is one-thread CPU time. Run from the repository root:
#   NEMBED_BENCH_N=10000 Rscript bench/contrastive-reference.R
#   NEMBED_BENCH_N=10000 NEMBED_BENCH_RUNS=ref_neg_s0,neg_s0 Rscript bench/contrastive-reference.R
# Appends one row per run to bench/results/contrastive-reference-<n>.csv (layouts kept in
# $NEMBED_BENCH_DIR, default tempdir(), as <n>-<run>.rds).
source("bench/common.R")
source("bench/contrastive-measures.R")
source("tests/testthat/helper-contrastive-reference.R")
suppressPackageStartupMessages(library(Matrix))
n <- as.integer(Sys.getenv("NEMBED_BENCH_N", "10000"))
out_dir <- Sys.getenv("NEMBED_BENCH_DIR", tempdir())
inp <- readRDS(bench_input(n, out_dir))
g <- knn_graph(inp$Z, k = 15, method = "exact", n_threads = 2)
W <- embedding_record(embed_contrastive(g, n_epochs = 1, init = "random", n_threads = 1,
                                        seed = 1))$graph
P <- stats::prcomp(inp$Z, rank. = 2)$x
init <- P / stats::sd(P[, 1])
neg_c <- function(s, m = 5) m * exp((1 - s) * log(100 * n) + s * log(n^2 / 5) - 2 * log(n))
ec <- function(...) as.matrix(embed_contrastive(g, init = init, n_threads = 1, seed = 1, ...))[, 1:2]
tsne_zbar <- function() {   # the partition sum of the t-SNE run of this benchmark (the paper's Z^tSNE)
  f <- file.path(out_dir, sprintf("%d-tsne.rds", n))
  if (!file.exists(f)) stop("run `tsne` first")
  partition_sum(readRDS(f))
}
runs <- list(
  tsne = function() as.matrix(embed_tsne(inp$Z, n_threads = 1, seed = 1))[, 1:2],
  umap = function() as.matrix(embed_umap(inp$Z, n_threads = 1, seed = 1))[, 1:2],
  ref_neg_s0 = function() ref_cne_embed(init, W, "neg", neg_c(0), n_epochs = 750, n_early = 250,
                                        spec_early = neg_c(1), seed = 1)$Y,
  neg_s0 = function() ec(loss = "neg", s = 0),
  ref_infonce = function() ref_cne_embed(init, W, "infonce", 1, n_epochs = 750, n_early = 250,
                                         spec_early = 4, seed = 1)$Y,
  infonce = function() ec(loss = "infonce"),
  neg_s1 = function() ec(loss = "neg", s = 1),
  neg_s0_m20 = function() ec(loss = "neg", s = 0, n_negatives = 20),
  neg_s0_m50 = function() ec(loss = "neg", s = 0, n_negatives = 50),
  infonce_m20 = function() ec(loss = "infonce", n_negatives = 20),
  infonce_m50 = function() ec(loss = "infonce", n_negatives = 50),
  infonce_m200 = function() ec(loss = "infonce", n_negatives = 200),
  neg_zbar_tsne = function() ec(loss = "neg", Zbar = tsne_zbar()),
  neg_zbar_tsne_m50 = function() ec(loss = "neg", Zbar = tsne_zbar(), n_negatives = 50),
  neg_s0_1500 = function() ec(loss = "neg", s = 0, n_epochs = 1500),
  # The paper's protocol: two runs, each with its own learning-rate decay (250 epochs at c = 1,
  # then 500 at the target), where embed_contrastive decays once over 750.
  neg_s0_tworuns = function() {
    Y1 <- ec(loss = "neg", s = 1, n_epochs = 250, early_phase = FALSE)
    as.matrix(embed_contrastive(g, loss = "neg", s = 0, n_epochs = 500, early_phase = FALSE,
                                init = Y1, n_threads = 1, seed = 2))[, 1:2]
  }
)
only <- Sys.getenv("NEMBED_BENCH_RUNS", "tsne,umap,ref_neg_s0,neg_s0")
nn <- knn_graph(inp$Z, k = 10, method = "exact", n_threads = 2)
csv <- sprintf("bench/results/contrastive-reference-%d.csv", n)
for (r in strsplit(only, ",")[[1]]) {
  message(format(Sys.time(), "%H:%M:%S "), sprintf("[%s] n = %d ...", r, n))
  t0 <- proc.time()
  Y <- runs[[r]]()
  t1 <- proc.time() - t0
  saveRDS(Y, file.path(out_dir, sprintf("%d-%s.rds", n, r)))
  row <- data.frame(run = r, n = n, cpu_seconds = round(t1[["user.self"]] + t1[["sys.self"]], 1),
                    wall_seconds = round(t1[["elapsed"]], 1),
                    load = round(as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1]), 1),
                    knn_accuracy = round(knn_accuracy(Y, inp$labels, k = 10, n_threads = 2), 4),
                    knn_recall = round(knn_recall(nn, Y, k = 10, n_threads = 2), 4),
                    tightness = round(tightness(Y), 4), partition_sum = signif(partition_sum(Y), 3),
                    date = format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"))
  print(row, row.names = FALSE)
  utils::write.table(row, csv, sep = ",", row.names = FALSE, append = file.exists(csv),
                     col.names = !file.exists(csv))
}
