#' Noisy shapes in high dimensions
#'
#' Synthetic data with known topology for testing loop detection (Damrich, Berens & Kobak 2024):
#' a shape is placed in a random `dim`-dimensional orthonormal frame and isotropic Gaussian noise
#' of standard deviation `sigma` is added in **all** `dim` dimensions.
#' * `noisy_circle()`: `n` equispaced points on a circle of radius 1 (one loop);
#' * `noisy_linked_circles()`: two interlinked circles of radius 1 with `n/2` points each, the
#'   second in a perpendicular plane through the first's rim (two loops);
#' * `noisy_torus()`: `n` points uniform on the surface of a torus with major radius 2 and minor radius 1
#'   (rejection sampling; two loops and a void);
#' * `noisy_sphere()`: `n` points uniform on the unit sphere S^2 (no loop, one void).
#'
#' The generators use R's RNG with `seed` and leave the user's RNG state unchanged
#' (`seed = NULL` uses the current state instead).
#'
#' @param n Number of points.
#' @param dim Ambient dimension (at least 2 for the circle, 3 for the others).
#' @param sigma Standard deviation of the Gaussian noise, >= 0.
#' @param seed Random seed, or `NULL`.
#' @return An `n` x `dim` numeric matrix.
#' @section Valid ranges: `r paste0(range_section("noisy_circle"), range_section("noisy_torus"))`
#' @export
#' @examples
#' X <- noisy_circle(n = 100, dim = 50, sigma = 0.1, seed = 1)
#' dim(X)
#' plot(prcomp(X)$x[, 1:2], asp = 1)
noisy_circle <- function(n = 1000, dim = 50, sigma = 0.1, seed = 1) {
  shape_args(n, dim, sigma, seed, 2L)
  noisy_shape(function(n) circle_points(n), n, dim, sigma, seed)
}

#' @rdname noisy_circle
#' @export
noisy_linked_circles <- function(n = 1000, dim = 50, sigma = 0.1, seed = 1) {
  shape_args(n, dim, sigma, seed, 3L)
  noisy_shape(function(n) {
    n1 <- n %/% 2
    c1 <- cbind(circle_points(n1), 0)
    c2 <- circle_points(n - n1)
    rbind(c1, cbind(1 + c2[, 1], 0, c2[, 2]))
  }, n, dim, sigma, seed)
}

#' @rdname noisy_circle
#' @param R,r Major and minor radius of the torus.
#' @export
noisy_torus <- function(n = 1000, dim = 50, sigma = 0.1, seed = 1, R = 2, r = 1) {
  shape_args(n, dim, sigma, seed, 3L)
  R <- check_number(R, "R", lower = 0, lower_open = TRUE)
  r <- check_number(r, "r", lower = 0, lower_open = TRUE, upper = R)
  noisy_shape(function(n) {
    phi <- stats::runif(n, 0, 2 * pi)
    theta <- numeric(0)
    # Accept a tube angle with probability proportional to the local area element R + r cos(theta).
    while (length(theta) < n) {
      th <- stats::runif(2 * n, 0, 2 * pi)
      keep <- stats::runif(2 * n) <= (R + r * cos(th)) / (R + r)
      theta <- c(theta, th[keep])
    }
    theta <- theta[seq_len(n)]
    cbind((R + r * cos(theta)) * cos(phi), (R + r * cos(theta)) * sin(phi), r * sin(theta))
  }, n, dim, sigma, seed)
}

#' @rdname noisy_circle
#' @export
noisy_sphere <- function(n = 1000, dim = 50, sigma = 0.1, seed = 1) {
  shape_args(n, dim, sigma, seed, 3L)
  noisy_shape(function(n) {
    z <- matrix(stats::rnorm(3 * n), n, 3)
    z / sqrt(rowSums(z^2))
  }, n, dim, sigma, seed)
}

circle_points <- function(n) {
  # Equispaced without repeating the start point.
  a <- 2 * pi * (seq_len(n) - 1) / n
  cbind(cos(a), sin(a))
}

shape_args <- function(n, dim, sigma, seed, min_dim) {
  check_count(n, "n", lower = 3, upper = 1e7)
  check_count(dim, "dim", lower = min_dim, upper = 1e4)
  if (n * dim > 1e8) {
    nembed_abort(sprintf("`n` x `dim` = %g values is more than the 1e8 these generators make (%.1f GB).",
                         n * dim, n * dim * 8 / 1e9), "size", "dim")
  }
  check_number(sigma, "sigma", lower = 0)
  if (!is.null(seed)) check_count(seed, "seed", lower = 0, upper = .Machine$integer.max)
  invisible(NULL)
}

noisy_shape <- function(shape, n, dim, sigma, seed) {
  gen <- function() {
    S <- shape(n)
    # A random orthonormal frame (QR of a Gaussian matrix), then noise in every dimension.
    Q <- qr.Q(qr(matrix(stats::rnorm(dim * ncol(S)), dim, ncol(S))))
    X <- S %*% t(Q)
    if (sigma > 0) X <- X + matrix(stats::rnorm(n * dim, sd = sigma), n, dim)
    X
  }
  if (is.null(seed)) gen() else with_seed(seed, gen())
}
