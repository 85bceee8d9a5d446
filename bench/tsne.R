# t-SNE benchmark: nembed vs Rtsne (and uwot for reference) on the same Fashion-MNIST PCA-50
# input, 2 threads, perplexity 30, 750 iterations. Run from the repository root:
#   Rscript bench/tsne.R            (n = 10,000 and 70,000)
#   NEMBED_BENCH_N=10000 Rscript bench/tsne.R
#   NEMBED_BENCH_N=10000 NEMBED_BENCH_OUT=tsne-10000 Rscript bench/tsne.R   (results under that name)
source("bench/common.R")
sizes <- as.integer(strsplit(Sys.getenv("NEMBED_BENCH_N", "10000,70000"), ",")[[1]])
methods <- list(
  nembed_tsne = function(Z) embed_tsne(Z, n_threads = 2, seed = 1),
  nembed_tsne_dof0.5 = function(Z) embed_tsne(Z, dof = 0.5, n_threads = 2, seed = 1),
  Rtsne_bh = function(Z) Rtsne::Rtsne(Z, perplexity = 30, max_iter = 750, num_threads = 2,
                                       pca = FALSE, check_duplicates = FALSE)$Y,
  uwot_umap = function(Z) uwot::umap(Z, n_neighbors = 15, min_dist = 0.1, n_threads = 2,
                                     n_sgd_threads = 2)
)
rows <- list()
for (n in sizes) {
  f <- bench_input(n)
  for (m in names(methods)) {
    if (m == "nembed_tsne_dof0.5" && n < 70000) next
    message(sprintf("[%s] n = %d ...", m, n))
    r <- run_isolated(methods[[m]], f)
    rows[[length(rows) + 1]] <- score(m, n, r, f)
    print(rows[[length(rows)]], row.names = FALSE)
  }
}
tab <- do.call(rbind, rows)
# Ratios against Rtsne in the same run.
tab$time_vs_Rtsne <- NA_real_
for (n in unique(tab$n)) {
  ref <- tab$seconds[tab$n == n & tab$method == "Rtsne_bh"]
  if (length(ref)) tab$time_vs_Rtsne[tab$n == n] <- round(tab$seconds[tab$n == n] / ref, 3)
}
out <- Sys.getenv("NEMBED_BENCH_OUT", "tsne")
save_table(tab, out, if (out == "tsne" && Sys.getenv("NEMBED_BENCH_N") == "") "Rscript bench/tsne.R" else
  sprintf("NEMBED_BENCH_N=%s NEMBED_BENCH_OUT=%s Rscript bench/tsne.R", paste(sizes, collapse = ","), out))
