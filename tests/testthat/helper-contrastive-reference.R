# A slow, literal R transcription of contrastive-ne's non-parametric mini-batch SGD (Damrich,
# Boehm, Hamprecht & Kobak, ICLR 2023; berenslab/contrastive-ne, `cne.py`: `train`,
# `ContrastiveLoss.forward`, `make_neighbor_indices`, `new_lr`; `_cne.py`: `FastTensorDataLoader`),
# written from the reference code, independently of nembed's C++. Used by test-contrastive.R and
# bench/contrastive.R. Gradients are what autograd gives for the summed batch loss: every pairwise
# term acts on both of its points (head and tail, head and negative).

# make_neighbor_indices(): b x m matrix of 1-based pool slots (1..b heads, b+1..2b tails). Head r
# draws from the 2b - 1 other slots; with m >= 2b - 2, every other head and every other tail.
ref_cne_negative_slots <- function(b, m) {
  m <- min(m, 2 * b - 1)
  if (m < 2 * b - 2) {
    u <- matrix(sample.int(2 * b - 1, b * m, replace = TRUE) - 1L, b, m)
    # python: u + (r + 1) - 2b, a negative index into the 2b pool, i.e. (r + 1 + u) mod 2b (0-based)
    ((seq_len(b) - 1L + 1L + u) %% (2L * b)) + 1L
  } else {
    t(vapply(seq_len(b), function(r) c(setdiff(seq_len(b), r), b + setdiff(seq_len(b), r)),
             numeric(2 * b - 2)))
  }
}

# The summed loss of one batch (ContrastiveLoss.forward, loss_aggregation = "sum", euclidean, eps 1,
# clamps [1e-4, 1]); spec: c (NEG), rho (InfoNCE); NCE: c = m exp(log_z).
# m_nce: the number of negatives in NCE's estimator, min(m, 2b - 1) (also in the full-batch case).
ref_cne_batch_loss <- function(Y, heads, tails, slots, loss, spec, log_z = 0, eps = 1,
                               temperature = 0.5, m_nce = ncol(slots)) {
  b <- length(heads)
  feat <- Y[c(heads, tails), , drop = FALSE]
  nb <- cbind(b + seq_len(b), slots)              # column 1: the positive (the tail)
  orig <- feat[seq_len(b), , drop = FALSE]
  d2 <- matrix(0, b, ncol(nb))
  for (k in seq_len(ncol(Y))) d2 <- d2 + (orig[, k] - matrix(feat[nb, k], b))^2
  cl <- function(x) pmin(pmax(x, 1e-4), 1)
  pos <- col(d2) == 1
  if (loss %in% c("neg", "nce")) {
    cc <- if (loss == "nce") m_nce * exp(log_z) else spec
    est <- 1 / (1 + cc * (d2 + eps))
    sum(-log(cl(est[pos]))) + sum(-log(cl(1 - est[!pos])))
  } else if (loss == "umap") {
    ph <- 1 / (eps + d2)
    sum(-log(cl(ph[pos]))) + sum(-log(cl(1 - ph[!pos])))
  } else {
    ph <- cl(1 / (eps + d2))
    sum(-temperature * (log(ph[, 1]) - log(rowSums(ph)) / spec))
  }
}

# The same batch's gradient on the points it involves, before clipping, and d loss / d log Z, from
# the derivatives of each term (ALGORITHMS.md 5.3), each term acting on both of its points:
# list(points = the distinct points, gradient = their summed gradients (one row each), dlogz).
# pool: the points the slots index (the batch's heads, then its tails, unless given).
ref_cne_batch_terms <- function(Y, heads, tails, slots, loss, spec, log_z = 0, eps = 1,
                                temperature = 0.5, m_nce = ncol(slots), pool = c(heads, tails)) {
  b <- length(heads)
  pts <- pool
  nbp <- cbind(tails, matrix(pts[slots], b))        # points of the positive and the negatives
  U <- lapply(seq_len(ncol(Y)), function(k) Y[heads, k] - matrix(Y[nbp, k], b))  # y_head - y_l
  d2 <- Reduce(`+`, lapply(U, function(u) u^2))
  pos <- col(d2) == 1
  dz <- 0
  if (loss %in% c("neg", "nce")) {
    cc <- if (loss == "nce") m_nce * exp(log_z) else spec
    A <- d2 + eps
    est <- 1 / (1 + cc * A)
    ok <- ifelse(pos, est >= 1e-4, 1 - est >= 1e-4)
    coef <- ifelse(pos, 2 * cc * est, -2 * est / A) * ok
    dz <- sum(((1 - est) * pos - est * !pos) * ok)
  } else if (loss == "umap") {
    ph <- 1 / (eps + d2)
    ok <- ifelse(pos, ph >= 1e-4, 1 - ph >= 1e-4)
    coef <- ifelse(ok, ifelse(pos, 2 * ph, -2 * ph^2 / pmax(1 - ph, 1e-300)), 0)
  } else {
    ph <- 1 / (eps + d2)
    ok <- ph >= 1e-4 & ph <= 1
    S <- rowSums(pmin(pmax(ph, 1e-4), 1))
    coef <- temperature * (2 * ph * pos * ok - 2 * ph^2 * ok / (spec * S))
  }
  # Each term's gradient on the head is coef u, on the other point -coef u; rowsum() adds the
  # rows of the same point (groups in order of first appearance, no names round trip).
  th <- vapply(U, function(u) rowSums(coef * u), numeric(b))
  tl <- vapply(U, function(u) -as.vector(coef * u), numeric(length(nbp)))
  who <- c(heads, as.vector(nbp))
  points <- unique(who)
  g <- rowsum(rbind(matrix(th, b), matrix(tl, length(nbp))), match(who, points), reorder = FALSE)
  list(points = points, gradient = unname(g), dlogz = dz)
}

# The batch gradient on all n points (n x D, zero where the batch does not reach) and d loss / d log Z.
ref_cne_batch_gradient <- function(Y, heads, tails, slots, loss, spec, log_z = 0, eps = 1,
                                   temperature = 0.5, m_nce = ncol(slots)) {
  t <- ref_cne_batch_terms(Y, heads, tails, slots, loss, spec, log_z, eps, temperature, m_nce)
  G <- matrix(0, nrow(Y), ncol(Y))
  G[t$points, ] <- t$gradient
  list(gradient = G, dlogz = t$dlogz)
}

# The whole optimisation (CNE.fit -> ContrastiveEmbedding.fit -> train): SGD without momentum,
# learning rate lr (1 - epoch / n_epochs), edges shuffled each epoch and cut into batches of
# `batch_size` pairs, negative slots drawn once per epoch (a smaller last batch draws its own;
# the reference code has no working path for it), gradient clipped to [-4, 4] per coordinate,
# NCE's log Z stepped per batch at rate 0.001. The first n_early epochs use spec_early.
# W: symmetric binary sparse matrix; Y: the initial layout.
ref_cne_embed <- function(Y, W, loss, spec, n_epochs, n_early = 0, spec_early = spec, m = 5,
                          batch_size = 1024, lr = 1, log_z = 0, seed = 1) {
  Wt <- as(W, "TsparseMatrix")
  keep <- Wt@i != Wt@j
  heads <- Wt@i[keep] + 1L
  tails <- Wt@j[keep] + 1L
  E <- length(heads)
  b <- min(batch_size, E)
  withr::with_seed(seed, {
    for (epoch in seq_len(n_epochs) - 1) {
      lr_e <- lr * (1 - epoch / n_epochs)
      sp <- if (epoch < n_early) spec_early else spec
      perm <- sample.int(E)
      slots_full <- ref_cne_negative_slots(b, m)
      for (s0 in seq(1, E, by = b)) {
        idx <- perm[s0:min(E, s0 + b - 1)]
        slots <- if (length(idx) == b) slots_full else ref_cne_negative_slots(length(idx), m)
        g <- ref_cne_batch_terms(Y, heads[idx], tails[idx], slots, loss, sp, log_z,
                                 m_nce = min(m, 2 * length(idx) - 1))
        Y[g$points, ] <- Y[g$points, , drop = FALSE] - lr_e * pmin(pmax(g$gradient, -4), 4)
        if (loss == "nce") log_z <- log_z - 0.001 * min(max(g$dlogz, -4), 4)
      }
    }
  })
  list(Y = Y, log_z = log_z)
}

# Placing new points Ynew into a fixed embedding Yref (nembed's transform, written from the
# embedding's schedule above): the pairs are each new point's edges to its reference neighbours
# nbr (m x k); every epoch they are shuffled and cut into batches of `batch_size`; each batch's
# pool is 2b reference points drawn from `noise` (one entry per directed edge of the embedding's
# graph: in proportion to the degree); the negative slots are drawn once per epoch; only the new
# points move, by their clipped summed gradient at lr (1 - epoch / n_epochs).
ref_cne_transform <- function(Ynew, Yref, nbr, noise, loss, spec, n_epochs, m = 5,
                              batch_size = 1024, lr = 0.25, seed = 1) {
  M <- nrow(Ynew)
  heads <- rep(seq_len(M), ncol(nbr))
  tails <- M + as.vector(nbr)
  E <- length(heads)
  b <- min(batch_size, E)
  Y <- rbind(Ynew, Yref)
  withr::with_seed(seed, {
    for (epoch in seq_len(n_epochs) - 1) {
      lr_e <- lr * (1 - epoch / n_epochs)
      perm <- sample.int(E)
      slots_full <- ref_cne_negative_slots(b, m)
      for (s0 in seq(1, E, by = b)) {
        idx <- perm[s0:min(E, s0 + b - 1)]
        slots <- if (length(idx) == b) slots_full else ref_cne_negative_slots(length(idx), m)
        pool <- M + noise[sample.int(length(noise), 2 * length(idx), replace = TRUE)]
        g <- ref_cne_batch_terms(Y, heads[idx], tails[idx], slots, loss, spec, pool = pool)
        new <- g$points <= M
        Y[g$points[new], ] <- Y[g$points[new], , drop = FALSE] -
          lr_e * pmin(pmax(g$gradient[new, , drop = FALSE], -4), 4)
      }
    }
  })
  Y[seq_len(M), , drop = FALSE]
}

# Numerical gradient of ref_cne_batch_loss (central differences), to check the derivation.
ref_numeric_gradient <- function(f, Y, h = 1e-6) {
  G <- Y * 0
  for (i in seq_len(nrow(Y))) for (k in seq_len(ncol(Y))) {
    Yp <- Y; Yp[i, k] <- Yp[i, k] + h
    Ym <- Y; Ym[i, k] <- Ym[i, k] - h
    G[i, k] <- (f(Yp) - f(Ym)) / (2 * h)
  }
  G
}
