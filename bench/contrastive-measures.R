# Layout measures of the contrastive benchmarks (bench/contrastive.R, bench/contrastive-reference.R).
# tightness: median distance to the k-th neighbour in the embedding / median pairwise distance of
# n_sample evenly spaced points (lower is tighter).
tightness <- function(Y, k = 10, n_sample = 2000) {
  g <- knn_graph(Y, k = k, method = "exact", n_threads = 2)
  idx <- if (nrow(Y) > n_sample) round(seq(1, nrow(Y), length.out = n_sample)) else seq_len(nrow(Y))
  stats::median(g$dist[, k]) / stats::median(stats::dist(Y[idx, ]))
}
# The partition sum sum_{i != j} 1 / (1 + d_ij^2) (from n_sample evenly spaced rows above 5,000).
partition_sum <- function(Y, n_sample = 2000) {
  n <- nrow(Y)
  rows <- if (n > 5000) floor((seq_len(n_sample) - 1) * n / n_sample) + 1 else seq_len(n)
  s <- 0
  for (i in rows) s <- s + sum(1 / (1 + colSums((t(Y) - Y[i, ])^2))) - 1
  s * n / length(rows)
}
