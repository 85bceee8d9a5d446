# The main job: embed all 70,000 Fashion-MNIST images with t-SNE, draw the picture and write a
# summary (time, kNN accuracy, kNN recall). Run through `bash tools/run-main.sh`.
suppressPackageStartupMessages(library(nembed))
out_dir <- Sys.getenv("NEMBED_OUT", "out")
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
n_threads <- default_threads()
t0 <- proc.time()[["elapsed"]]
fm <- load_fashion_mnist()
t_load <- proc.time()[["elapsed"]] - t0
message(sprintf("loaded %d x %d images in %.1f s", nrow(fm$X), ncol(fm$X), t_load))

t0 <- proc.time()[["elapsed"]]
Z <- pca(fm$X, 50)
t_pca <- proc.time()[["elapsed"]] - t0
t0 <- proc.time()[["elapsed"]]
emb <- embed_tsne(Z, n_threads = n_threads, seed = 1, verbose = TRUE)
t_tsne <- proc.time()[["elapsed"]] - t0
rec <- embedding_record(emb)

acc <- knn_accuracy(emb, fm$labels, k = 10, n_threads = n_threads)
rec_k <- knn_recall(Z, emb, k = 10, n_threads = n_threads)

png_file <- file.path(out_dir, "fashion-mnist-tsne.png")
grDevices::png(png_file, width = 1600, height = 1600, res = 200)
pal <- grDevices::palette.colors(10, "Tableau 10")
op <- graphics::par(mar = c(0.5, 0.5, 2.5, 0.5))
idx <- sample.int(nrow(emb))
graphics::plot(emb$x[idx], emb$y[idx], col = grDevices::adjustcolor(pal[as.integer(fm$labels)[idx]], 0.6),
               pch = 16, cex = 0.18, asp = 1, axes = FALSE, xlab = "", ylab = "",
               main = sprintf("Fashion-MNIST, n = %d: nembed t-SNE (FFT), %.0f s", nrow(emb), t_tsne))
graphics::legend("bottomleft", legend = levels(fm$labels), col = pal, pch = 16, cex = 0.6, bty = "n")
graphics::par(op)
grDevices::dev.off()

tm <- rec$timings
summary <- c(
  "nembed main job: t-SNE of Fashion-MNIST",
  sprintf("points: %d, input: PCA-50 of 784 pixels, threads: %d", nrow(emb), n_threads),
  sprintf("time: PCA %.1f s; t-SNE %.1f s (kNN %.1f s, affinities %.1f s, optimisation %.1f s)",
          t_pca, t_tsne, tm$knn %||% NA, tm$affinities %||% NA, tm$optimisation),
  sprintf("final KL divergence: %.4f", tail(rec$loss$value, 1)),
  sprintf("kNN accuracy (k = 10): %.4f", acc),
  sprintf("kNN recall (k = 10, vs PCA-50): %.4f", rec_k),
  sprintf("picture: %s", png_file)
)
writeLines(summary, file.path(out_dir, "summary.txt"))
writeLines(summary)
