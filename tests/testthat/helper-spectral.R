# Reference implementations for the spectral-distance tests, written from the definitions with
# dense base-R linear algebra (no shared code with the C++ core).

# Union-symmetrised adjacency from 1-based kNN indices; weights 1/distance when weighted.
ref_adjacency <- function(idx, dist = NULL, weighted = FALSE) {
  n <- nrow(idx)
  A <- matrix(0, n, n)
  for (i in seq_len(n)) {
    A[i, idx[i, ]] <- if (weighted) 1 / dist[i, ] else 1
  }
  pmax(A, t(A))
}

# Effective resistance through the Laplacian pseudo-inverse (L + 1/n)^-1 - 1/n, and the
# von Luxburg correction R - 1/d_i - 1/d_j + 2 a_ij / (d_i d_j).
ref_resistance <- function(A, corrected) {
  n <- nrow(A)
  deg <- rowSums(A)
  Lp <- solve(diag(deg) - A + 1 / n) - 1 / n
  R <- outer(diag(Lp), diag(Lp), "+") - 2 * Lp
  if (corrected) {
    R <- R - outer(1 / deg, 1 / deg, "+") + 2 * A / outer(deg, deg)
    diag(R) <- 0
  }
  R
}

# Diffusion distance from its definition sqrt(vol) * ||(e_i - e_j)^T P^t D^-1/2||, P = D^-1 A.
ref_diffusion <- function(A, t) {
  deg <- rowSums(A)
  P <- A / deg
  Pt <- diag(nrow(A))
  for (s in seq_len(t)) Pt <- Pt %*% P
  M <- sweep(Pt, 2, sqrt(deg), "/")
  sqrt(sum(deg)) * as.matrix(stats::dist(M))
}

# Cycle graph C_n as precomputed neighbours (each node's two neighbours, distance 1).
cycle_knn <- function(n) {
  i <- seq_len(n)
  list(idx = cbind((i - 2) %% n + 1, i %% n + 1), dist = matrix(1, n, 2))
}

# A random connected graph as precomputed kNN lists: a spanning path plus random extra picks.
random_knn <- function(n, k, seed) {
  set.seed(seed)
  idx <- t(vapply(seq_len(n), function(i) {
    first <- if (i < n) i + 1L else 1L
    c(first, sample(setdiff(seq_len(n), c(i, first)), k - 1L))
  }, integer(k)))
  list(idx = idx, dist = matrix(stats::runif(n * k, 0.5, 2), n, k))
}
