# Benchmark: embed_umap vs uwot::umap on Fashion-MNIST 70,000 (PCA 50), 2 threads, matched settings
# (n_neighbors 15, min_dist 0.1, 200 epochs). Each method runs in a child Rscript so that its wall
# time and peak memory (VmHWM of the child) are its own. Also times embed_contrastive (neg, s = 0
# and s = 1) and, with BENCH_SPECTRUM=1, embed_spectrum with six exaggeration panels.
# Run from the package root with nembed installed:  Rscript bench/umap.R
# Writes bench/results/umap.md and bench/results/umap.csv.
suppressPackageStartupMessages(library(nembed))
lib <- Sys.getenv("R_LIBS")
work <- file.path(tempdir(), "bench-umap")
dir.create(work, showWarnings = FALSE)
n <- as.integer(Sys.getenv("BENCH_N", "70000"))
fm <- load_fashion_mnist(n = if (n < 70000) n else NULL)
Z <- pca(fm$X, 50)
saveRDS(list(Z = unclass(Z)[, 1:50], labels = fm$labels), file.path(work, "data.rds"))

run_child <- function(name, code) {
  script <- file.path(work, paste0(name, ".R"))
  out <- file.path(work, paste0(name, ".rds"))
  writeLines(c(
    "suppressPackageStartupMessages(library(nembed))",
    sprintf("d <- readRDS('%s')", file.path(work, "data.rds")),
    "t0 <- proc.time()[['elapsed']]",
    code,
    "elapsed <- proc.time()[['elapsed']] - t0",
    "st <- readLines('/proc/self/status')",
    "hwm <- as.numeric(gsub('[^0-9]', '', grep('^VmHWM', st, value = TRUE))) / 1024",
    sprintf("saveRDS(list(Y = as.matrix(Y)[, 1:2], elapsed = elapsed, peak_mb = hwm), '%s')", out)),
    script)
  status <- system2(file.path(R.home("bin"), "Rscript"), script,
                    env = if (nzchar(lib)) paste0("R_LIBS=", lib) else character())
  if (status != 0) stop("child ", name, " failed")
  readRDS(out)
}

methods <- list(
  uwot = "Y <- uwot::umap(d$Z, n_neighbors = 15, min_dist = 0.1, n_epochs = 200, n_threads = 2, n_sgd_threads = 2, pca = NULL, verbose = FALSE)",
  nembed_umap = "Y <- embed_umap(d$Z, k = 14, min_dist = 0.1, n_epochs = 200, n_threads = 2, seed = 1)",
  nembed_neg_s0 = "Y <- embed_contrastive(d$Z, loss = 'neg', s = 0, n_threads = 2, seed = 1)",
  nembed_neg_s1 = "Y <- embed_contrastive(d$Z, loss = 'neg', s = 1, n_threads = 2, seed = 1)"
)
if (Sys.getenv("BENCH_SPECTRUM") == "1") {
  methods$nembed_spectrum6 <- "sp <- embed_spectrum(d$Z, exaggeration = c(1, 2, 4, 8, 16, 32), n_threads = 2, seed = 1); Y <- as.matrix(sp[sp$exaggeration == 32, c('x', 'y')])"
}
res <- lapply(names(methods), function(m) {
  message(format(Sys.time(), "%H:%M:%S "), m)
  run_child(m, methods[[m]])
})
names(res) <- names(methods)

g <- knn_graph(Z[, 1:50], k = 10, method = "exact", n_threads = 2)
tab <- do.call(rbind, lapply(names(res), function(m) {
  r <- res[[m]]
  data.frame(method = m, n = nrow(r$Y), wall_s = round(r$elapsed, 1), peak_mb = round(r$peak_mb),
             knn_accuracy = round(knn_accuracy(r$Y, fm$labels, k = 10, n_threads = 2), 4),
             knn_recall = round(knn_recall(g, r$Y, k = 10, n_threads = 2), 4))
}))
tab$time_vs_uwot <- round(tab$wall_s / tab$wall_s[tab$method == "uwot"], 2)
print(tab)
write.csv(tab, "bench/results/umap.csv", row.names = FALSE)
md <- c("# embed_umap vs uwot::umap",
        "",
        sprintf("Fashion-MNIST %d x 784 -> PCA 50 (nembed::pca), 2 threads, n_neighbors 15, min_dist 0.1, 200 epochs; each method in its own Rscript child (wall time of the call, peak resident memory VmHWM of the child). kNN accuracy and recall: k = 10, exact neighbours on the PCA-50 input. Machine: %s; uwot %s; run %s.",
                n, paste(Sys.info()[c("sysname", "release")], collapse = " "),
                as.character(utils::packageVersion("uwot")), format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")),
        "",
        "| method | n | wall (s) | time / uwot | peak memory (MB) | kNN accuracy | kNN recall |",
        "|---|---|---|---|---|---|---|",
        sprintf("| %s | %d | %.1f | %.2f | %d | %.4f | %.4f |", tab$method, tab$n, tab$wall_s,
                tab$time_vs_uwot, as.integer(tab$peak_mb), tab$knn_accuracy, tab$knn_recall),
        "",
        "Command: `R_LIBS=<lib> Rscript bench/umap.R` from the package root.")
writeLines(md, "bench/results/umap.md")
