# Issue 18 point 6, the time at 70k (bench/results/fidelity.md): the input for bench/fft-time70k-iter.R.
# Writes /tmp/fft-work/in70k.rds (Fashion-MNIST 70,000, PCA-50, perplexity-30 P, PCA start) and the
# converged layouts conv70k-n12.rds / conv70k-auto.rds. Run once, with the current library:
#   R_LIBS=<lib> Rscript bench/fft-time70k-prep.R
dir.create("/tmp/fft-work", showWarnings = FALSE)
suppressPackageStartupMessages(library(nembed))
fm <- load_fashion_mnist()
Z <- pca(fm$X, 50, n_threads = 2)
P <- affinities(Z, perplexity = 30, n_threads = 2)
Y0 <- Z[, 1:2] / sd(Z[, 1]) * 1e-4
saveRDS(list(P = P, Y0 = Y0, labels = fm$labels), "/tmp/fft-work/in70k.rds")
# Converged layouts (new library, 2 threads): the schedule before issue 16 (n / 12) and today's default.
for (lr in c("n12", "auto")) {
  t0 <- proc.time()
  emb <- embed_tsne(P, init = Y0, learning_rate = if (lr == "n12") nrow(Y0) / 12 else "auto",
                    n_threads = 2, seed = 1, eval_every = 0)
  Y <- as.matrix(emb)[, 1:2]
  saveRDS(Y, sprintf("/tmp/fft-work/conv70k-%s.rds", lr))
  cat(sprintf("converged %s: extent %.1f, knn_acc %.4f, %.1f s\n", lr, max(apply(Y, 2, function(v) diff(range(v)))),
              knn_accuracy(Y, fm$labels, n_threads = 2), (proc.time() - t0)[["elapsed"]]))
}
