# The learning-rate schedule of embed_tsne(): the default "auto" (n / exaggeration per phase,
# openTSNE's rule: n / 12 early, n after) against the former single rate n / 12 (FIt-SNE's
# max(n / 12, 200) above 2,400 points), on Fashion-MNIST PCA-50, 2 threads, seed 1, nembed only
# (Rtsne's figures are in bench/results/tsne.md). Run from the repository root:
#   NEMBED_BENCH_N=10000,70000 Rscript bench/tsne-schedule.R
source("bench/common.R")
sizes <- as.integer(strsplit(Sys.getenv("NEMBED_BENCH_N", "10000,70000"), ",")[[1]])
methods <- list(
  nembed_tsne_auto = function(Z) embed_tsne(Z, n_threads = 2, seed = 1),
  nembed_tsne_n_over_12 = function(Z) embed_tsne(Z, learning_rate = max(nrow(Z) / 12, 50),
                                                 n_threads = 2, seed = 1)
)
rows <- list()
for (n in sizes) {
  f <- bench_input(n)
  for (m in names(methods)) {
    message(sprintf("[%s] n = %d ...", m, n))
    r <- run_isolated(methods[[m]], f)
    rows[[length(rows) + 1]] <- score(m, n, r, f)
    print(rows[[length(rows)]], row.names = FALSE)
  }
}
save_table(do.call(rbind, rows), "tsne-schedule",
           sprintf("NEMBED_BENCH_N=%s Rscript bench/tsne-schedule.R", paste(sizes, collapse = ",")))
