# HNSW settings for the embeddings' own neighbour search (embedding_hnsw in R/embedding.R) at
# t-SNE's k = 90 on Fashion-MNIST 70,000 (PCA 50), 2 threads: time of knn_graph() and recall@90 of
# 2,000 random points against their exact neighbours.
#   R_LIBS=<library> Rscript bench/hnsw-settings.R
source("bench/common.R")
inp <- readRDS(bench_input(70000, Sys.getenv("NEMBED_BENCH_CACHE", tempdir())))
Z <- inp$Z
set.seed(3)
q <- sort(sample.int(nrow(Z), 2000))
ex <- nembed:::knn_query_cpp(Z, Z[q, ], list(k = 91L, metric = "euclidean", n_threads = 2L))$idx[, -1]
for (s in list(c(16, 80, 40), c(16, 40, 20), c(16, 40, 40), c(12, 40, 20), c(16, 24, 20))) {
  t0 <- proc.time()[[3]]
  g <- knn_graph(Z, k = 90, method = "hnsw", M = s[1], ef_construction = s[2], ef = 90 + s[3],
                 n_threads = 2, seed = 1)
  secs <- proc.time()[[3]] - t0
  rec <- mean(vapply(seq_along(q), function(i) length(intersect(g$idx[q[i], ], ex[i, ])) / 90, 0))
  cat(sprintf("M %d, ef_construction %d, ef k + %d: %.2f s, recall@90 %.4f\n", s[1], s[2], s[3],
              secs, rec))
}
