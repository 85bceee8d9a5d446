# The spectra on Fashion-MNIST 10,000 (PCA 50), issue 4's acceptance figures:
#   * t-SNE along the attraction-repulsion spectrum (exaggeration 1, 4, 16, 32, one shared
#     affinity matrix, each panel started from its neighbour): kNN recall should fall and
#     distance correlation rise along it (Boehm, Berens & Kobak 2022, fig. 2);
#   * negative sampling at s = 0 (t-SNE-like) and s = 1 (UMAP-like): classes more compact at
#     s = 1, measured by mean within-class over mean between-class distance (Damrich et al. 2023);
#   * UMAP, ForceAtlas2 and Laplacian eigenmaps beside them.
#
#   Rscript bench/spectrum.R          (writes bench/results/spectrum.{csv,md})
suppressPackageStartupMessages(library(nembed))
source("bench/common.R")
n_threads <- 2L
fm <- load_fashion_mnist(n = 10000)
Z <- pca(fm$X, 50)
labels <- fm$labels

within_between <- function(Y, labels, n_pairs = 200000, seed = 1) {
  set.seed(seed)
  i <- sample.int(nrow(Y), n_pairs, TRUE)
  j <- sample.int(nrow(Y), n_pairs, TRUE)
  keep <- i != j
  d <- sqrt(rowSums((Y[i[keep], ] - Y[j[keep], ])^2))
  same <- labels[i[keep]] == labels[j[keep]]
  mean(d[same]) / mean(d[!same])
}

measure <- function(name, parameter, Y, seconds) {
  data.frame(panel = name, parameter = parameter, seconds = round(seconds, 1),
             knn_accuracy = round(knn_accuracy(Y, labels, n_threads = n_threads), 4),
             knn_recall = round(knn_recall(Z, Y, n_threads = n_threads), 4),
             distance_correlation = round(distance_correlation(Z, Y, n_pairs = 20000), 4),
             within_between = round(within_between(Y, labels), 4))
}

rows <- list()
t0 <- proc.time()[["elapsed"]]
sp <- embed_spectrum(Z, exaggeration = c(1, 4, 16, 32), extra = c("umap", "fa2", "laplacian"),
                     n_threads = n_threads, seed = 1)
secs <- proc.time()[["elapsed"]] - t0
for (p in levels(sp$panel)) {
  Y <- as.matrix(sp[sp$panel == p, c("x", "y")])
  rows[[p]] <- measure(p, NA, Y, NA)
}
rows[["spectrum total"]] <- data.frame(panel = "embed_spectrum (all 7 panels)", parameter = NA,
                                       seconds = round(secs, 1), knn_accuracy = NA,
                                       knn_recall = NA, distance_correlation = NA,
                                       within_between = NA)
for (s in c(0, 0.5, 1)) {
  t0 <- proc.time()[["elapsed"]]
  e <- embed_contrastive(Z, loss = "neg", s = s, n_threads = n_threads, seed = 1)
  rows[[paste("neg", s)]] <- measure("negative sampling", paste0("s = ", s), as.matrix(e),
                                     proc.time()[["elapsed"]] - t0)
}
tab <- do.call(rbind, rows)
rownames(tab) <- NULL
save_table(tab, "spectrum", "Rscript bench/spectrum.R")
