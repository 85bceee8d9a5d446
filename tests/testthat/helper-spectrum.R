# Well-separated Gaussian clusters: `n_clusters` centres drawn with sd `spread` in `dim` dimensions.
gaussian_clusters <- function(n_per = 60, n_clusters = 3, dim = 10, spread = 10, seed = 1) {
  withr::with_seed(seed, {
    cl <- rep(seq_len(n_clusters), each = n_per)
    M <- matrix(rnorm(n_clusters * dim, sd = spread), n_clusters)
    list(X = M[cl, ] + matrix(rnorm(length(cl) * dim), length(cl)), labels = cl)
  })
}

within_between_ratio <- function(Y, labels) {
  D <- as.matrix(dist(Y))
  same <- outer(labels, labels, "==")
  mean(D[same & row(D) != col(D)]) / mean(D[!same])
}
