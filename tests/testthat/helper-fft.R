# References for the FFT repulsion's accuracy (also sourced by bench/fft-accuracy.R).

# Clustered 2-D layout of a given extent: `n_clusters` Gaussian blobs (sd `spread`, so that the
# nearest-neighbour spacing is about one unit, as in a converged t-SNE), two of them pinned to
# opposite corners so that the bounding box is `extent` wide.
fft_test_layout <- function(n = 300, extent = 100, n_clusters = 10, spread = 2, seed = 1) {
  set.seed(seed)
  half <- extent / 2 - 3 * spread
  centres <- matrix(stats::runif(2 * n_clusters, -half, half), n_clusters)
  centres[1, ] <- c(-half, -half)
  centres[2, ] <- c(half, half)
  cl <- rep_len(seq_len(n_clusters), n)
  Y <- centres[cl, ] + matrix(stats::rnorm(2 * n, sd = spread), n)
  # Exactly `extent` wide in both dimensions (FIt-SNE takes one range for both).
  lo <- min(Y)
  Y <- (Y - lo) / (max(Y) - lo) * extent - extent / 2
  Y
}

# The repulsive part of the t-SNE gradient, -(1/Z) sum_j w_ij t_ij (y_i - y_j), with
# t = 1/(1 + d^2/dof), w = t^dof: exactly (dense), or with FIt-SNE's interpolation scheme.
ref_repulsion_exact <- function(Y, dof = 1) {
  D2 <- as.matrix(stats::dist(Y))^2
  Tm <- 1 / (1 + D2 / dof)
  W <- Tm^dof
  diag(W) <- 0
  A <- W * Tm
  -(rowSums(A) * Y - A %*% Y) / sum(W)
}

# FIt-SNE's scheme (KlugerLab/FIt-SNE, tsne.cpp computeFftGradient / computeFftGradientVariableDf
# and nbodyfft.cpp), in double precision and without its FFT: one range [min, max] of all
# coordinates, n_boxes = max(min_intervals, (max - min) / (1 / intervals_per_unit)) truncated to an
# integer and, below 200, rounded up to the next of its FFT-friendly sizes; n_interp equispaced
# Lagrange nodes per box at (k + 1/2) / n_interp; no cap. The FFT only evaluates the node-to-node
# sums exactly, so the interpolated kernel K~(y_i, y_j) = sum_a sum_b w_a(y_i) w_b(y_j)
# K(x_a - x_b) is computed here densely; that is the scheme's whole approximation. Forces use
# K1 = t^(dof + 1), Z uses K2 = t^dof (FIt-SNE's variable-df form; its dof = 1 path gets Z from K1
# by the identity t = (1 + d^2) t^2, an equivalent interpolation of a smooth kernel).
fitsne_n_boxes <- function(span, min_intervals = 50, intervals_per_unit = 1) {
  nb <- as.integer(max(min_intervals, span * intervals_per_unit))
  allowed <- c(25, 36, 50, 55, 60, 65, 70, 75, 80, 85, 90, 96, 100, 110, 120, 130, 140, 150,
               175, 200)
  if (nb < 200) nb <- allowed[which(allowed >= nb)[1]]
  nb
}

ref_repulsion_fitsne <- function(Y, dof = 1, n_interp = 3, min_intervals = 50,
                                 intervals_per_unit = 1) {
  lo <- min(Y)
  hi <- max(Y)
  nb <- fitsne_n_boxes(hi - lo, min_intervals, intervals_per_unit)
  ref_repulsion_interpolated(Y, lo, (hi - lo) / nb, nb, dof, n_interp)
}

# nembed's grid for Y (tsne_fft.hpp, fit_grid): a 5% margin on each side of the one range of all
# coordinates, boxes = the 7-smooth count at or above max(min_intervals, ceil(1.1 span ipu)); with
# the near/far split (near_radius > 0), at or above ceil(1.1 span / box) for far boxes
# box = 0.6 R 1.25 / ipu wide, R = near_radius sqrt(dof). Then as many boxes of n_interp nodes as
# the transforms' padded length L >= 2 m holds (fft_padded_length).
nembed_fft_grid <- function(Y, min_intervals = 50, intervals_per_unit = 1, near_radius = 0, dof = 1,
                            n_interp = 3L) {
  smooth <- function(m) { for (p in c(2, 3, 5, 7)) while (m %% p == 0) m <- m / p; m == 1 }
  yspan <- max(Y) - min(Y)
  span <- 1.1 * yspan
  nb <- if (near_radius > 0) {
    ceiling(span / (0.6 * near_radius * sqrt(dof) * 1.25 / intervals_per_unit))
  } else {
    max(min_intervals, ceiling(span * intervals_per_unit))
  }
  while (!smooth(nb)) nb <- nb + 1
  nb <- max(nb, nembed:::fft_padded_length_cpp(2L * nb * n_interp) %/% (2L * n_interp))
  list(lo = min(Y) - 0.05 * yspan, h = span / nb, nb = nb)
}

# The near field's weight S at x = r^2 / R^2 (tsne_near.hpp): 1 - x^4 (35 - 84 x + 70 x^2 - 20 x^3)
# below 1, 0 beyond.
near_weight <- function(x) ifelse(x < 1, 1 - x^4 * (35 - 84 * x + 70 * x^2 - 20 * x^3), 0)

# The interpolation scheme's repulsion on the grid of nb boxes of width h from lo, with n_interp
# Lagrange nodes per box, computed densely (no FFT). scheme "fitsne": the scalar kernel K1 with
# the charges 1 and y (forces y_i phi_1 - phi_y, FIt-SNE's); "vector": the vector kernels
# u_c K1(u) with the charge 1 (nembed's, tsne_fft.hpp). Z from K2 = t^dof in both. With
# near_radius > 0 (the vector scheme only), nembed's near/far split: the grid interpolates the far
# kernels K (1 - S), and the pairs closer than R = near_radius sqrt(dof) add K S exactly.
ref_repulsion_interpolated <- function(Y, lo, h, nb, dof = 1, n_interp = 3,
                                       scheme = c("fitsne", "vector"), near_radius = 0) {
  scheme <- match.arg(scheme)
  n <- nrow(Y)
  u <- (seq_len(n_interp) - 0.5) / n_interp
  lagrange <- function(x) {
    vapply(seq_len(n_interp), function(k) prod((x - u[-k]) / (u[k] - u[-k])), numeric(1))
  }
  # Per point and dimension: its box and the weights of the box's nodes.
  node_x <- matrix(0, n, n_interp)
  node_y <- matrix(0, n, n_interp)
  wx <- matrix(0, n, n_interp)
  wy <- matrix(0, n, n_interp)
  for (i in seq_len(n)) {
    for (c in 1:2) {
      pos <- (Y[i, c] - lo) / h
      b <- min(floor(pos), nb - 1)
      nodes <- lo + (b + u) * h
      w <- lagrange(pos - b)
      if (c == 1) { node_x[i, ] <- nodes; wx[i, ] <- w } else { node_y[i, ] <- nodes; wy[i, ] <- w }
    }
  }
  # The n_interp^2 nodes of each point's box and their weights.
  grid <- expand.grid(a = seq_len(n_interp), b = seq_len(n_interp))
  NX <- node_x[, grid$a]
  NY <- node_y[, grid$b]
  WN <- wx[, grid$a] * wy[, grid$b]
  nodes <- cbind(as.vector(t(NX)), as.vector(t(NY)))  # point-major: point i owns rows 9(i-1)+1..
  D2 <- as.matrix(stats::dist(nodes))^2
  Tn <- 1 / (1 + D2 / dof)
  K1 <- Tn^(dof + 1)
  K2 <- Tn^dof
  R2 <- (near_radius * sqrt(dof))^2
  if (near_radius > 0) {
    far <- 1 - near_weight(D2 / R2)
    K1 <- K1 * far
    K2 <- K2 * far
  }
  q <- nrow(grid)
  B <- matrix(0, n, n * q)
  for (i in seq_len(n)) B[i, (i - 1) * q + seq_len(q)] <- WN[i, ]
  K2t <- B %*% K2 %*% t(B)
  force <- if (scheme == "fitsne") {
    K1t <- B %*% K1 %*% t(B)
    rowSums(K1t) * Y - K1t %*% Y
  } else {
    # G_c(x_a - x_b) = (x_a - x_b)_c K1(x_a - x_b) between all nodes, interpolated at both ends.
    vapply(1:2, function(c) {
      G <- outer(nodes[, c], nodes[, c], "-") * K1
      rowSums(B %*% G %*% t(B))
    }, numeric(n))
  }
  Z <- sum(K2t) - n
  if (near_radius > 0) {
    # The near field over the points themselves, with the self terms (weight 1, no force).
    Dp <- as.matrix(stats::dist(Y))^2
    Tp <- 1 / (1 + Dp / dof)
    Wp <- Tp^dof * near_weight(Dp / R2)
    A <- Wp * Tp
    force <- force + (rowSums(A) * Y - A %*% Y)
    Z <- Z + sum(Wp)
  }
  -force / Z
}

rel_error <- function(g, ref) sqrt(sum((g - ref)^2) / sum(ref^2))

# nembed's repulsive gradient (FFT unless told otherwise) at Y: the gradient with rho = 0.
# near_radius = 0: the plain grid (the split is tested on its own); near_always: the split
# wherever the layout allows it; simd: the near field's vector path (simd.hpp; NULL: the widest).
nembed_repulsion <- function(Y, dof = 1, repulsion = "fft", n_interp = 3, min_intervals = 50,
                             intervals_per_unit = 1, n_threads = 1L, near_radius = 0,
                             near_always = FALSE, simd = NULL) {
  n <- nrow(Y)
  P <- Matrix::sparseMatrix(i = c(seq_len(n - 1), seq_len(n - 1) + 1),
                            j = c(seq_len(n - 1) + 1, seq_len(n - 1)), x = 1, dims = c(n, n))
  par <- list(n_iter = 1L, early_iter = 0L, early_exaggeration = 1, exaggeration = 1,
              learning_rate = 1, momentum = 0.5, final_momentum = 0.8, dof = dof,
              repulsion = repulsion, theta = 0.5, n_interp = as.integer(n_interp),
              min_intervals = as.integer(min_intervals), intervals_per_unit = intervals_per_unit,
              near_radius = near_radius, near_always = near_always,
              max_step_norm = 5, eval_every = 0L, reorder_min_n = 1e9)
  nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y, c(par, list(rho = 0, n_threads = as.integer(n_threads),
                                                        simd = simd)))$gradient
}
