# The table of bad inputs used by test-bad-input.R. Kept in a helper file of its own so that the
# same table can be sourced into a child R process (callr), which proves no case crashes R.
# Cases use only exported functions (plus Matrix), so they run against an installed nembed.
#
# Each case is a list with
#   name   : what is wrong with the input
#   data   : a function returning the inputs (a named list); the inputs are compared with a deep
#            copy after the call, so a case also catches C++ code that writes into R memory
#   call   : function(d) making the call on those inputs
#   expect : "ok" or the argument name the nembed_error must name
#   class  : for errors, the expected subclass (nembed_error_<class>); NULL to accept any
#   check  : for "ok", function(result, d) returning TRUE when the result is correct (or a
#            string saying what is wrong)

bad_input_cases <- function() {
  set.seed(42)
  X <- matrix(stats::rnorm(60 * 3), 60, 3)
  Xs <- matrix(stats::rnorm(40 * 3), 40, 3)
  small_tsne <- function(X, ...) nembed::embed_tsne(X, perplexity = 5, n_iter = 60, early_iter = 20,
                                                    n_threads = 1, seed = 1, ...)
  emb_data <- function() {
    set.seed(1)
    Xe <- matrix(stats::rnorm(40 * 3), 40, 3)
    list(emb = small_tsne(Xe), Xe = Xe)
  }
  hgm <- function() nembed::hierarchical_gaussian_mixture(n_units = 12, n_samples = 10, seed = 1)
  same_knn <- function(a, b) isTRUE(all.equal(a$dist, b$dist)) && identical(a$idx, b$idx)
  all_finite <- function(e) all(is.finite(as.matrix(e)))
  knn <- function(X, ...) nembed::knn_graph(X, k = 5, method = "exact", n_threads = 1, ...)
  umap <- function(X, ...) nembed::embed_umap(X, n_epochs = 30, n_threads = 1, seed = 1, ...)
  contrastive <- function(X, ...) nembed::embed_contrastive(X, n_epochs = 30, n_threads = 1, seed = 1, ...)
  fa2 <- function(X, ...) nembed::embed_fa2(X, n_iter = 30, n_threads = 1, seed = 1, ...)
  with_na <- function(X, v) { X[3, 2] <- v; X }
  dup <- matrix(rep(c(1, 2, 3), each = 30), 30, 3)
  dist_neg <- function() { d <- stats::dist(Xs); d[5] <- -1; d }
  dist_na <- function() { d <- stats::dist(Xs); d[5] <- NA; d }
  # A sparse matrix that stores zeros explicitly (the x slot holds 0s).
  explicit_zeros <- function() {
    S <- Matrix::rsparsematrix(50, 8, density = 0.3, rand.x = function(n) stats::rnorm(n))
    S@x[seq(1, length(S@x), by = 4)] <- 0
    S
  }

  cases <- list(
    # ---------------------------------------------------------------------------------- knn_graph
    list(name = "knn_graph: NA in X", data = function() list(X = with_na(X, NA)),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: NaN in X", data = function() list(X = with_na(X, NaN)),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: Inf in X", data = function() list(X = with_na(X, -Inf)),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: 1e300 in X", data = function() list(X = with_na(X, 1e300)),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: empty matrix", data = function() list(X = matrix(numeric(0), 0, 3)),
         call = function(d) knn(d$X), expect = "X", class = "size"),
    list(name = "knn_graph: matrix without columns", data = function() list(X = matrix(numeric(0), 10, 0)),
         call = function(d) knn(d$X), expect = "X", class = "size"),
    list(name = "knn_graph: one row", data = function() list(X = X[1, , drop = FALSE]),
         call = function(d) knn(d$X), expect = "X", class = "size"),
    list(name = "knn_graph: k = n", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 40, n_threads = 1), expect = "k", class = "size"),
    list(name = "knn_graph: k = 0", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 0, n_threads = 1), expect = "k", class = "value"),
    list(name = "knn_graph: k = NA", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = NA, n_threads = 1), expect = "k", class = "type"),
    list(name = "knn_graph: k = 1e12", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 1e12, n_threads = 1), expect = "k", class = "size"),
    list(name = "knn_graph: k = 2.5", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 2.5, n_threads = 1), expect = "k", class = "value"),
    list(name = "knn_graph: k = n - 1 (largest allowed) works", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 39, n_threads = 2),
         expect = "ok", check = function(r, d) {
           D <- unname(as.matrix(stats::dist(d$X))); diag(D) <- Inf
           isTRUE(all.equal(r$dist, t(apply(D, 1, sort))[, 1:39], tolerance = 1e-10))
         }),
    list(name = "knn_graph: all rows identical (exact)", data = function() list(X = dup),
         call = function(d) knn(d$X), expect = "ok", check = function(r, d) {
           all(r$dist == 0) && all(r$idx != seq_len(30)) && all(r$idx >= 1 & r$idx <= 30) &&
             all(apply(r$idx, 1, function(i) !anyDuplicated(i)))
         }),
    list(name = "knn_graph: all rows identical (hnsw)", data = function() list(X = dup),
         call = function(d) nembed::knn_graph(d$X, k = 5, method = "hnsw", n_threads = 1, seed = 1),
         expect = "ok", check = function(r, d) {
           all(r$dist == 0) && all(r$idx != seq_len(30)) &&
             all(apply(r$idx, 1, function(i) !anyDuplicated(i)))
         }),
    list(name = "knn_graph: constant column is harmless",
         data = function() list(X = cbind(X, 7)),
         call = function(d) knn(d$X), expect = "ok",
         check = function(r, d) same_knn(r, knn(d$X[, 1:3]))),
    list(name = "knn_graph: integer matrix equals double",
         data = function() list(X = matrix(sample(-20:20, 180, TRUE), 60, 3)),
         call = function(d) knn(d$X), expect = "ok", check = function(r, d) {
           Xd <- d$X; storage.mode(Xd) <- "double"
           is.integer(d$X) && same_knn(r, knn(Xd))
         }),
    list(name = "knn_graph: logical matrix equals 0/1",
         data = function() list(X = matrix(X > 0, 60, 3)),
         call = function(d) knn(d$X), expect = "ok",
         check = function(r, d) isTRUE(all.equal(r$dist, knn(d$X + 0)$dist))),
    list(name = "knn_graph: character matrix", data = function() list(X = matrix(letters[1:12], 4)),
         call = function(d) knn(d$X), expect = "X", class = "type"),
    list(name = "knn_graph: factor column", data = function() list(X = data.frame(a = X[, 1], f = factor(rep(1:3, 20)))),
         call = function(d) knn(d$X), expect = "X", class = "type"),
    list(name = "knn_graph: character column", data = function() list(X = data.frame(a = X[, 1], s = rep(c("u", "v"), 30))),
         call = function(d) knn(d$X), expect = "X", class = "type"),
    list(name = "knn_graph: list column", data = function() {
           df <- data.frame(a = X[, 1]); df$l <- as.list(X[, 2]); list(X = df)
         }, call = function(d) knn(d$X), expect = "X", class = "type"),
    list(name = "knn_graph: plain list (not neighbours)", data = function() list(X = list(1, 2, 3)),
         call = function(d) knn(d$X), expect = "X", class = "type"),
    list(name = "knn_graph: dist with a negative entry", data = function() list(X = dist_neg()),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: dist with NA", data = function() list(X = dist_na()),
         call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: dist of one point", data = function() list(X = stats::dist(Xs[1, , drop = FALSE])),
         call = function(d) knn(d$X), expect = "X", class = "size"),
    list(name = "knn_graph: dist of identical points", data = function() list(X = stats::dist(dup)),
         call = function(d) knn(d$X), expect = "ok",
         check = function(r, d) all(r$dist == 0) && all(r$idx != seq_len(30))),
    list(name = "knn_graph: precomputed list naming self", data = function() {
           g <- knn(Xs); g$idx[, 1] <- seq_len(40); list(X = list(idx = g$idx, dist = g$dist))
         }, call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: precomputed list with index out of range", data = function() {
           g <- knn(Xs); g$idx[2, 1] <- 41L; list(X = list(idx = g$idx, dist = g$dist))
         }, call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: nembed_knn asked for more neighbours", data = function() list(X = knn(Xs)),
         call = function(d) nembed::knn_graph(d$X, k = 10), expect = "k", class = "size"),
    list(name = "knn_graph: sparse with explicit zeros equals dense",
         data = function() list(X = explicit_zeros()),
         call = function(d) knn(d$X), expect = "ok",
         check = function(r, d) same_knn(r, knn(as.matrix(d$X)))),
    list(name = "knn_graph: sparse with no non-zeros",
         data = function() list(X = Matrix::Matrix(0, 20, 6, sparse = TRUE)),
         call = function(d) knn(d$X), expect = "ok",
         check = function(r, d) all(r$dist == 0) && all(r$idx != seq_len(20))),
    list(name = "knn_graph: sparse with NaN", data = function() {
           S <- explicit_zeros(); S@x[1] <- NaN; list(X = S)
         }, call = function(d) knn(d$X), expect = "X", class = "value"),
    list(name = "knn_graph: cosine with an all-zero row", data = function() {
           Z <- X; Z[4, ] <- 0; list(X = Z)
         }, call = function(d) knn(d$X, metric = "cosine"), expect = "ok",
         check = function(r, d) all(is.finite(r$dist))),
    list(name = "knn_graph: correlation with a constant row", data = function() {
           Z <- X; Z[4, ] <- 5; list(X = Z)
         }, call = function(d) knn(d$X, metric = "correlation"), expect = "ok",
         check = function(r, d) all(is.finite(r$dist))),
    list(name = "knn_graph: n_threads = -1", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 5, n_threads = -1), expect = "n_threads", class = "value"),
    list(name = "knn_graph: n_threads = 1e6", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 5, n_threads = 1e6), expect = "n_threads", class = "size"),
    list(name = "knn_graph: metric = NA", data = function() list(X = Xs),
         call = function(d) nembed::knn_graph(d$X, k = 5, metric = NA_character_), expect = "metric", class = "type"),

    # --------------------------------------------------------------------------------- affinities
    list(name = "affinities: perplexity too large", data = function() list(X = Xs),
         call = function(d) nembed::affinities(d$X, perplexity = 50, n_threads = 1),
         expect = "perplexity", class = "size"),
    list(name = "affinities: perplexity NaN", data = function() list(X = Xs),
         call = function(d) nembed::affinities(d$X, perplexity = NaN, n_threads = 1),
         expect = "perplexity", class = "value"),
    list(name = "affinities: perplexity <= 1", data = function() list(X = Xs),
         call = function(d) nembed::affinities(d$X, perplexity = c(5, -1), n_threads = 1),
         expect = "perplexity", class = "value"),
    list(name = "affinities: all points identical", data = function() list(X = dup),
         call = function(d) nembed::affinities(d$X, perplexity = 5, n_threads = 1), expect = "ok",
         check = function(r, d) {
           # every neighbour is equally close, so every p(j|i) is 1/k and P_ij = (p(j|i) +
           # p(i|j)) / 2n is 1/(2nk) or 1/(nk)
           n <- 30; k <- r$k
           all(is.finite(r$P@x)) && isTRUE(all.equal(sum(r$P), 1)) &&
             all(abs(r$P@x - 1 / (2 * n * k)) < 1e-12 | abs(r$P@x - 1 / (n * k)) < 1e-12)
         }),
    list(name = "affinities: umap on identical points", data = function() list(X = dup),
         call = function(d) nembed::affinities(d$X, method = "umap", n_threads = 1), expect = "ok",
         check = function(r, d) all(is.finite(r$P@x)) && all(r$P@x > 0) && all(r$P@x <= 1 + 1e-12)),
    list(name = "affinities: set_op_mix_ratio = 2", data = function() list(X = Xs),
         call = function(d) nembed::affinities(d$X, method = "umap", set_op_mix_ratio = 2, n_threads = 1),
         expect = "set_op_mix_ratio", class = "value"),
    list(name = "affinities: x is a character vector", data = function() list(X = letters),
         call = function(d) nembed::affinities(d$X, n_threads = 1), expect = "x", class = "type"),

    # --------------------------------------------------------------------------------- embed_tsne
    list(name = "embed_tsne: two points", data = function() list(X = Xs[1:2, ]),
         call = function(d) small_tsne(d$X), expect = "X", class = "size"),
    list(name = "embed_tsne: perplexity too large", data = function() list(X = Xs),
         call = function(d) nembed::embed_tsne(d$X, perplexity = 45, n_threads = 1),
         expect = "perplexity", class = "size"),
    list(name = "embed_tsne: init of the wrong shape", data = function() list(X = Xs, init = matrix(0, 39, 2)),
         call = function(d) small_tsne(d$X, init = d$init), expect = "init", class = "size"),
    list(name = "embed_tsne: init with 3 columns for 2-D", data = function() list(X = Xs, init = matrix(0, 40, 3)),
         call = function(d) small_tsne(d$X, init = d$init), expect = "init", class = "size"),
    list(name = "embed_tsne: init with NaN", data = function() {
           I <- matrix(stats::rnorm(80) * 1e-4, 40); I[7, 1] <- NaN; list(X = Xs, init = I)
         }, call = function(d) small_tsne(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_tsne: init with Inf", data = function() {
           I <- matrix(stats::rnorm(80) * 1e-4, 40); I[7, 2] <- Inf; list(X = Xs, init = I)
         }, call = function(d) small_tsne(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_tsne: init with coordinates of 1e100", data = function() {
           list(X = Xs, init = matrix(stats::rnorm(80) * 1e100, 40))
         }, call = function(d) small_tsne(d$X, init = d$init), expect = "init", class = "value"),
    # 1-D, so the FFT grid hits its cap on the number of intervals cheaply (the 2-D cap costs
    # ~1 s per iteration; checked by hand: finite, no crash, where it used to segfault)
    list(name = "embed_tsne: init with coordinates of 1e5, 1-D FFT", data = function() {
           list(X = X, init = matrix(stats::rnorm(60) * 1e5, 60))
         }, call = function(d) small_tsne(d$X, init = d$init, n_components = 1, repulsion = "fft"),
         expect = "ok", check = function(r, d) all_finite(r)),
    list(name = "embed_tsne: all-zero init", data = function() list(X = X, init = matrix(0, 60, 2)),
         call = function(d) small_tsne(d$X, init = d$init, repulsion = "fft"),
         expect = "init", class = "value"),
    list(name = "embed_tsne: identical points, FFT and Barnes-Hut", data = function() list(X = dup),
         call = function(d) list(small_tsne(d$X, repulsion = "fft"), small_tsne(d$X, repulsion = "bh")),
         expect = "ok", check = function(r, d) all_finite(r[[1]]) && all_finite(r[[2]])),
    list(name = "embed_tsne: unknown init", data = function() list(X = Xs),
         call = function(d) small_tsne(d$X, init = "umap"), expect = "init", class = "value"),
    list(name = "embed_tsne: n_iter = -1", data = function() list(X = Xs),
         call = function(d) nembed::embed_tsne(d$X, perplexity = 5, n_iter = -1, n_threads = 1),
         expect = "n_iter", class = "value"),
    list(name = "embed_tsne: early_iter > n_iter", data = function() list(X = Xs),
         call = function(d) nembed::embed_tsne(d$X, perplexity = 5, n_iter = 10, early_iter = 20, n_threads = 1),
         expect = "early_iter", class = "value"),
    list(name = "embed_tsne: dof = 0", data = function() list(X = Xs),
         call = function(d) small_tsne(d$X, dof = 0), expect = "dof", class = "value"),
    list(name = "embed_tsne: dof = -1", data = function() list(X = Xs),
         call = function(d) small_tsne(d$X, dof = -1), expect = "dof", class = "value"),
    list(name = "embed_tsne: learning_rate = -1", data = function() list(X = Xs),
         call = function(d) small_tsne(d$X, learning_rate = -1), expect = "learning_rate", class = "value"),
    list(name = "embed_tsne: exaggeration = Inf", data = function() list(X = Xs),
         call = function(d) small_tsne(d$X, exaggeration = Inf), expect = "exaggeration", class = "value"),
    list(name = "embed_tsne: n_threads = 1e6", data = function() list(X = Xs),
         call = function(d) nembed::embed_tsne(d$X, perplexity = 5, n_threads = 1e6),
         expect = "n_threads", class = "size"),
    list(name = "embed_tsne: dist with NA", data = function() list(X = dist_na()),
         call = function(d) small_tsne(d$X), expect = "X", class = "value"),
    list(name = "embed_tsne: 1e300 in X", data = function() list(X = with_na(Xs, 1e300)),
         call = function(d) small_tsne(d$X), expect = "X", class = "value"),
    list(name = "embed_tsne: all points identical", data = function() list(X = dup),
         call = function(d) small_tsne(d$X), expect = "ok",
         check = function(r, d) nrow(r) == 30 && all_finite(r)),
    list(name = "embed_tsne: sparse with no non-zeros", data = function() list(X = Matrix::Matrix(0, 20, 6, sparse = TRUE)),
         call = function(d) small_tsne(d$X), expect = "ok",
         check = function(r, d) nrow(r) == 20 && all_finite(r)),
    list(name = "embed_tsne: constant column is harmless", data = function() list(X = cbind(Xs, 3)),
         call = function(d) small_tsne(d$X, init = "random"), expect = "ok",
         check = function(r, d) isTRUE(all.equal(as.matrix(r), as.matrix(small_tsne(d$X[, 1:3], init = "random"))))),
    list(name = "embed_tsne: integer matrix equals double",
         data = function() list(X = matrix(sample(-20:20, 120, TRUE), 40, 3)),
         call = function(d) small_tsne(d$X), expect = "ok", check = function(r, d) {
           Xd <- d$X; storage.mode(Xd) <- "double"
           isTRUE(all.equal(as.matrix(r), as.matrix(small_tsne(Xd))))
         }),

    # ----------------------------------------------------------------------------- continue_tsne
    list(name = "continue_tsne: not an embedding", data = function() list(X = Xs),
         call = function(d) nembed::continue_tsne(d$X, n_iter = 5), expect = "embedding", class = "type"),
    list(name = "continue_tsne: n_iter = -5", data = emb_data,
         call = function(d) nembed::continue_tsne(d$emb, n_iter = -5, n_threads = 1),
         expect = "n_iter", class = "value"),
    list(name = "continue_tsne: embedding with NaN", data = function() {
           e <- emb_data(); e$emb$x[2] <- NaN; e
         }, call = function(d) nembed::continue_tsne(d$emb, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "continue_tsne: a subset of the embedding's rows", data = function() {
           e <- emb_data(); e$emb <- e$emb[1:10, ]; e
         }, call = function(d) nembed::continue_tsne(d$emb, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "size"),
    list(name = "continue_tsne: dof = 0", data = emb_data,
         call = function(d) nembed::continue_tsne(d$emb, n_iter = 5, dof = 0, n_threads = 1),
         expect = "dof", class = "value"),

    # --------------------------------------------------------------------------- embed_transform
    list(name = "embed_transform: wrong number of columns", data = emb_data,
         call = function(d) nembed::embed_transform(d$emb, d$Xe[1:5, 1:2], n_threads = 1),
         expect = "X_new", class = "size"),
    list(name = "embed_transform: NA in X_new", data = function() {
           e <- emb_data(); e$new <- with_na(e$Xe[1:5, ], NA); e
         }, call = function(d) nembed::embed_transform(d$emb, d$new, n_threads = 1),
         expect = "X_new", class = "value"),
    list(name = "embed_transform: zero rows", data = emb_data,
         call = function(d) nembed::embed_transform(d$emb, d$Xe[0, , drop = FALSE], n_threads = 1),
         expect = "X_new", class = "size"),
    list(name = "embed_transform: one row works", data = emb_data,
         call = function(d) nembed::embed_transform(d$emb, d$Xe[3, , drop = FALSE], n_iter = 0,
                                                    init_k = 1, n_threads = 1),
         expect = "ok", check = function(r, d) {
           # a reference point placed with init_k = 1 lands exactly on its own position
           nrow(r) == 1 && isTRUE(all.equal(unname(as.matrix(r))[1, ], unname(as.matrix(d$emb))[3, ]))
         }),
    list(name = "embed_transform: init_k larger than the reference", data = emb_data,
         call = function(d) nembed::embed_transform(d$emb, d$Xe[1:3, ], init_k = 1000, n_threads = 1),
         expect = "init_k", class = "size"),
    list(name = "embed_transform: embedding made from a dist", data = function() {
           list(emb = small_tsne(stats::dist(Xs)), new = Xs[1:3, ])
         }, call = function(d) nembed::embed_transform(d$emb, d$new, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "embed_transform: n_epochs for a t-SNE embedding", data = emb_data,
         call = function(d) nembed::embed_transform(d$emb, d$Xe[1:3, ], n_epochs = 5, n_threads = 1),
         expect = "n_epochs", class = "value"),
    list(name = "embed_transform: UMAP embedding of a kNN graph", data = function() {
           list(emb = nembed::embed_umap(knn(Xs), n_epochs = 5, init = "random", n_threads = 1,
                                         seed = 1), new = Xs[1:3, ])
         }, call = function(d) nembed::embed_transform(d$emb, d$new, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "embed_transform: UMAP, one new point works", data = function() {
           list(emb = nembed::embed_umap(Xs, n_epochs = 20, init = "pca", n_threads = 1, seed = 1),
                new = Xs[7, , drop = FALSE])
         }, call = function(d) nembed::embed_transform(d$emb, d$new, n_threads = 1),
         expect = "ok", check = function(r, d) nrow(r) == 1 && all(is.finite(as.matrix(r)))),

    # ------------------------------------------------------------------------- quality measures
    list(name = "knn_accuracy: labels of the wrong length", data = function() list(Y = Xs[, 1:2], lab = rep(1:2, 10)),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, n_threads = 1), expect = "labels", class = "size"),
    list(name = "knn_accuracy: labels with NA", data = function() list(Y = Xs[, 1:2], lab = c(NA, rep(1:3, 13))),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, n_threads = 1), expect = "labels", class = "value"),
    list(name = "knn_accuracy: labels as a list", data = function() list(Y = Xs[, 1:2], lab = as.list(1:40)),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, n_threads = 1), expect = "labels", class = "type"),
    list(name = "knn_accuracy: NaN in embedding", data = function() list(Y = with_na(Xs[, 1:2], NaN), lab = rep(1:4, 10)),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, n_threads = 1), expect = "embedding", class = "value"),
    list(name = "knn_accuracy: k too large", data = function() list(Y = Xs[, 1:2], lab = rep(1:4, 10)),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, k = 40, n_threads = 1), expect = "k", class = "size"),
    list(name = "knn_accuracy: identical points, one label", data = function() list(Y = dup[, 1:2], lab = rep("a", 30)),
         call = function(d) nembed::knn_accuracy(d$Y, d$lab, n_threads = 1), expect = "ok",
         check = function(r, d) identical(r, 1)),
    list(name = "knn_recall: embedding with fewer points", data = function() list(X = Xs, Y = Xs[-1, 1:2]),
         call = function(d) nembed::knn_recall(d$X, d$Y, n_threads = 1), expect = "embedding", class = "size"),
    list(name = "knn_recall: X as a factor", data = function() list(X = factor(1:40), Y = Xs[, 1:2]),
         call = function(d) nembed::knn_recall(d$X, d$Y, n_threads = 1), expect = "X", class = "type"),
    list(name = "knn_recall: embedding equal to the data", data = function() list(X = Xs),
         call = function(d) nembed::knn_recall(d$X, d$X, k = 5, n_threads = 1), expect = "ok",
         check = function(r, d) identical(r, 1)),
    list(name = "distance_correlation: n_pairs = -1", data = function() list(X = Xs),
         call = function(d) nembed::distance_correlation(d$X, d$X[, 1:2], n_pairs = -1),
         expect = "n_pairs", class = "value"),
    list(name = "distance_correlation: Inf in X", data = function() list(X = with_na(Xs, Inf)),
         call = function(d) nembed::distance_correlation(d$X, Xs[, 1:2]), expect = "X", class = "value"),
    list(name = "distance_correlation: one-row inputs", data = function() list(X = Xs[1, , drop = FALSE]),
         call = function(d) nembed::distance_correlation(d$X, d$X), expect = "embedding", class = "size"),

    # ------------------------------------------------------------------------------------- pca
    list(name = "pca: n_components = 0", data = function() list(X = Xs),
         call = function(d) nembed::pca(d$X, n_components = 0), expect = "n_components", class = "value"),
    list(name = "pca: character data frame column", data = function() list(X = data.frame(a = 1:3, b = c("x", "y", "z"))),
         call = function(d) nembed::pca(d$X), expect = "X", class = "type"),
    list(name = "pca: integer matrix equals double",
         data = function() list(X = matrix(sample(-20:20, 120, TRUE), 40, 3)),
         call = function(d) nembed::pca(d$X, n_components = 2), expect = "ok", check = function(r, d) {
           Xd <- d$X; storage.mode(Xd) <- "double"
           isTRUE(all.equal(r, nembed::pca(Xd, n_components = 2)))
         }),
    list(name = "pca: constant data", data = function() list(X = dup),
         call = function(d) nembed::pca(d$X, n_components = 2), expect = "ok",
         check = function(r, d) all(r == 0) && all(attr(r, "sdev") == 0)),

    # ------------------------------------------------------------------------ other functions
    list(name = "default_threads: -1", data = function() list(),
         call = function(d) nembed::default_threads(-1), expect = "n_threads", class = "value"),
    list(name = "default_threads: 1e6", data = function() list(),
         call = function(d) nembed::default_threads(1e6), expect = "n_threads", class = "size"),
    list(name = "default_threads: NA", data = function() list(),
         call = function(d) nembed::default_threads(NA), expect = "n_threads", class = "type"),
    list(name = "embedding_record: plain data frame", data = function() list(X = iris),
         call = function(d) nembed::embedding_record(d$X), expect = "embedding", class = "type"),
    list(name = "load_fashion_mnist: missing folder", data = function() list(),
         call = function(d) nembed::load_fashion_mnist(path = tempfile()), expect = "path",
         class = "dependency"),
    list(name = "load_fashion_mnist: which = \"both\"", data = function() list(),
         call = function(d) nembed::load_fashion_mnist(which = "both"), expect = "which", class = "value"),
    list(name = "wasserstein_distances: groups of the wrong length", data = function() list(X = Xs, g = rep(1:2, 10)),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "groups", class = "size"),
    list(name = "wasserstein_distances: groups with NA", data = function() list(X = Xs, g = c(NA, rep(1:3, 13))),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "groups", class = "value"),
    list(name = "wasserstein_distances: a single group", data = function() list(X = Xs, g = rep("a", 40)),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "groups", class = "size"),
    list(name = "wasserstein_distances: lambda = 2", data = function() list(X = Xs, g = rep(1:4, 10)),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, lambda = 2, n_threads = 1),
         expect = "lambda", class = "value"),
    list(name = "wasserstein_distances: NaN in X", data = function() list(X = with_na(Xs, NaN), g = rep(1:4, 10)),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "X", class = "value"),
    list(name = "wasserstein_distances: identical units are at distance 0",
         data = function() list(X = rbind(Xs[1:10, ], Xs[1:10, ], Xs[11:20, ]), g = rep(c("a", "b", "c"), each = 10)),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "ok",
         check = function(r, d) abs(as.matrix(r)["a", "b"]) < 1e-6 && as.matrix(r)["a", "c"] > 0),
    list(name = "wasserstein_distances: one sample per unit", data = function() list(X = Xs, g = 1:40),
         call = function(d) nembed::wasserstein_distances(d$X, d$g, n_threads = 1), expect = "ok",
         check = function(r, d) isTRUE(all.equal(as.numeric(r), as.numeric(stats::dist(d$X)), tolerance = 1e-6))),
    list(name = "embed_wasserstein: only 3 units", data = function() list(X = Xs, g = rep(1:3, length.out = 40)),
         call = function(d) nembed::embed_wasserstein(d$X, d$g, n_threads = 1), expect = "groups", class = "size"),
    list(name = "hierarchical_gaussian_mixture: n_units = -1", data = function() list(),
         call = function(d) nembed::hierarchical_gaussian_mixture(n_units = -1), expect = "n_units", class = "value"),
    list(name = "hierarchical_gaussian_mixture: n_units = 1e12", data = function() list(),
         call = function(d) nembed::hierarchical_gaussian_mixture(n_units = 1e12), expect = "n_units",
         class = "size"),
    list(name = "hierarchical_gaussian_mixture: dim = 1", data = function() list(),
         call = function(d) nembed::hierarchical_gaussian_mixture(dim = 1), expect = "dim", class = "value"),
    list(name = "plot_units: not a Wasserstein embedding", data = function() list(X = Xs, g = rep(1:4, 10)),
         call = function(d) nembed::plot_units(d$X, d$X, d$g), expect = "embedding", class = "type"),
    list(name = "plot_units: groups of the wrong length", data = function() {
           h <- hgm(); list(emb = nembed::embed_wasserstein(h$X, h$groups, perplexity = 3, n_threads = 1, seed = 1),
                            X = h$X, g = h$groups[-1])
         }, call = function(d) nembed::plot_units(d$emb, d$X, d$g), expect = "groups", class = "size"),
    # ------------------------------------------------- functions merged from the other branches
    list(name = "embed_pca: n_components larger than the data allows", data = function() list(X = Xs),
         call = function(d) nembed::embed_pca(d$X, n_components = 4), expect = "n_components",
         class = "size"),
    list(name = "embed_pca: NA in X", data = function() list(X = with_na(Xs, NA)),
         call = function(d) nembed::embed_pca(d$X), expect = "X", class = "value"),
    list(name = "embed_pca: integer matrix equals double",
         data = function() list(X = matrix(sample(-20:20, 120, TRUE), 40, 3)),
         call = function(d) nembed::embed_pca(d$X), expect = "ok", check = function(r, d) {
           Xd <- d$X; storage.mode(Xd) <- "double"
           isTRUE(all.equal(as.matrix(r), as.matrix(nembed::embed_pca(Xd))))
         }),
    list(name = "spectral_distances: k too large", data = function() list(X = Xs),
         call = function(d) nembed::spectral_distances(d$X, k = 40, n_threads = 1), expect = "k",
         class = "size"),
    list(name = "spectral_distances: a factor", data = function() list(X = factor(1:10)),
         call = function(d) nembed::spectral_distances(d$X, n_threads = 1), expect = "x", class = "type"),
    list(name = "spectral_distances: disconnected kNN graph", data = function() {
           list(X = rbind(Xs[1:20, ], Xs[21:40, ] + 100))
         }, call = function(d) nembed::spectral_distances(d$X, k = 5, n_threads = 1), expect = "ok",
         check = function(r, d) {
           # computed per component; across components a finite value larger than any within
           D <- as.matrix(r)
           all(is.finite(D)) && min(D[1:20, 21:40]) > max(D[1:20, 1:20])
         }),
    list(name = "persistent_homology: dist with NA", data = function() list(d = dist_na()),
         call = function(d) nembed::persistent_homology(d$d), expect = "d", class = "value"),
    list(name = "persistent_homology: max_dim = 5", data = function() list(d = stats::dist(Xs)),
         call = function(d) nembed::persistent_homology(d$d, max_dim = 5), expect = "max_dim",
         class = "size"),
    list(name = "persistent_homology: threshold = -1", data = function() list(d = stats::dist(Xs)),
         call = function(d) nembed::persistent_homology(d$d, threshold = -1), expect = "threshold",
         class = "value"),
    list(name = "persistent_homology: engine = \"java\"", data = function() list(d = stats::dist(Xs)),
         call = function(d) nembed::persistent_homology(d$d, engine = "java"), expect = "engine",
         class = "value"),
    list(name = "detection_score: not a diagram", data = function() list(ph = Xs),
         call = function(d) nembed::detection_score(d$ph), expect = "ph", class = "type"),
    list(name = "as_persistence: NA death", data = function() {
           list(x = data.frame(dimension = c(0, 1), birth = c(0, 0.5), death = c(1, NA)))
         }, call = function(d) nembed::as_persistence(d$x), expect = "x", class = "value"),
    list(name = "noisy_circle: n = 2", data = function() list(),
         call = function(d) nembed::noisy_circle(n = 2), expect = "n", class = "value"),
    list(name = "noisy_circle: sigma = NaN", data = function() list(),
         call = function(d) nembed::noisy_circle(sigma = NaN), expect = "sigma", class = "value"),
    list(name = "sce_embedding: not a SingleCellExperiment", data = function() list(X = Xs),
         call = function(d) nembed::sce_embedding(d$X, "PCA"), expect = "X", class = "type"),
    list(name = "load_hsmm: min_cells = -1", data = function() list(),
         call = function(d) nembed::load_hsmm(min_cells = -1), expect = "min_cells", class = "value"),
    # ------------------------------------------ the attraction-repulsion and contrastive spectra
    list(name = "embed_umap: NaN in X", data = function() list(X = with_na(Xs, NaN)),
         call = function(d) umap(d$X), expect = "X", class = "value"),
    list(name = "embed_umap: k = 0", data = function() list(X = Xs),
         call = function(d) umap(d$X, k = 0), expect = "k", class = "value"),
    list(name = "embed_umap: k above n uses all points", data = function() list(X = Xs),
         call = function(d) umap(d$X, k = 99), expect = "ok", check = function(r, d) {
           # every point is a neighbour of every other: the affinity graph is complete
           P <- nembed::embedding_record(r)$affinities$P
           all_finite(r) && nrow(r) == 40 && all(Matrix::rowSums(P > 0) == 39)
         }),
    list(name = "embed_umap: min_dist above spread", data = function() list(X = Xs),
         call = function(d) umap(d$X, min_dist = 2), expect = "min_dist", class = "value"),
    list(name = "embed_umap: a without b", data = function() list(X = Xs),
         call = function(d) umap(d$X, a = 1), expect = "b", class = "value"),
    list(name = "embed_umap: init of the wrong shape", data = function() list(X = Xs, init = matrix(0, 39, 2)),
         call = function(d) umap(d$X, init = d$init), expect = "init", class = "size"),
    list(name = "embed_umap: init with Inf", data = function() {
           list(X = Xs, init = matrix(c(Inf, rep(0, 79)), 40, 2))
         }, call = function(d) umap(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_umap: n_negatives = -1", data = function() list(X = Xs),
         call = function(d) umap(d$X, n_negatives = -1), expect = "n_negatives",
         class = "value"),
    list(name = "embed_umap: character column", data = function() {
           list(X = data.frame(a = letters[1:20], b = as.numeric(1:20)))
         }, call = function(d) umap(d$X), expect = "X", class = "type"),
    list(name = "embed_umap: identical points only", data = function() list(X = dup),
         call = function(d) umap(d$X), expect = "ok",
         check = function(r, d) all_finite(r) && nrow(r) == nrow(d$X)),
    list(name = "embed_contrastive: unknown loss", data = function() list(X = Xs),
         call = function(d) contrastive(d$X, loss = "tsne"), expect = "loss", class = "value"),
    list(name = "embed_contrastive: s = NA", data = function() list(X = Xs),
         call = function(d) contrastive(d$X, s = NA), expect = "s", class = "type"),
    list(name = "embed_contrastive: both s and Zbar", data = function() list(X = Xs),
         call = function(d) contrastive(d$X, s = 1, Zbar = 10), expect = "Zbar", class = "value"),
    list(name = "embed_contrastive: Zbar = -1", data = function() list(X = Xs),
         call = function(d) contrastive(d$X, Zbar = -1), expect = "Zbar", class = "value"),
    list(name = "embed_contrastive: n_negatives = 0", data = function() list(X = Xs),
         call = function(d) contrastive(d$X, n_negatives = 0), expect = "n_negatives", class = "value"),
    list(name = "embed_contrastive: identical points only", data = function() list(X = dup),
         call = function(d) contrastive(d$X), expect = "ok",
         check = function(r, d) all_finite(r) && nrow(r) == nrow(d$X)),
    list(name = "embed_fa2: Inf in X", data = function() list(X = with_na(Xs, Inf)),
         call = function(d) fa2(d$X), expect = "X", class = "value"),
    list(name = "embed_fa2: gravity = -1", data = function() list(X = Xs),
         call = function(d) fa2(d$X, gravity = -1), expect = "gravity", class = "value"),
    list(name = "embed_fa2: identical points only", data = function() list(X = dup),
         call = function(d) fa2(d$X), expect = "ok",
         check = function(r, d) all_finite(r) && nrow(r) == nrow(d$X)),
    list(name = "embed_fa2: disconnected graph works", data = function() {
           list(X = rbind(Xs[1:20, ], Xs[21:40, ] + 100))
         }, call = function(d) fa2(d$X, k = 5), expect = "ok", check = function(r, d) {
           # gravity keeps the two components at a finite distance, each one together
           Y <- as.matrix(r)
           all_finite(r) && max(stats::dist(Y)) < 1e6
         }),
    list(name = "embed_laplacian: disconnected graph", data = function() {
           list(X = rbind(Xs[1:20, ], Xs[21:40, ] + 100))
         }, call = function(d) nembed::embed_laplacian(d$X, k = 5, n_threads = 1, seed = 1),
         expect = "k", class = "graph"),
    list(name = "embed_laplacian: n_components = n - 1", data = function() list(X = Xs),
         call = function(d) nembed::embed_laplacian(d$X, n_components = 39, n_threads = 1, seed = 1),
         expect = "n_components", class = "size"),
    list(name = "embed_spectrum: negative exaggeration", data = function() list(X = Xs),
         call = function(d) nembed::embed_spectrum(d$X, exaggeration = c(1, -1), perplexity = 5,
                                                   n_threads = 1, seed = 1),
         expect = "exaggeration", class = "value"),
    list(name = "embed_spectrum: s with NA", data = function() list(X = Xs),
         call = function(d) nembed::embed_spectrum(d$X, exaggeration = NULL, s = c(0, NA),
                                                   n_threads = 1, seed = 1),
         expect = "s", class = "value"),
    list(name = "embed_spectrum: unknown extra panel", data = function() list(X = Xs),
         call = function(d) nembed::embed_spectrum(d$X, exaggeration = 1, perplexity = 5,
                                                   extra = "pacmap", n_threads = 1, seed = 1),
         expect = "extra", class = "value")
  )
  names(cases) <- vapply(cases, `[[`, "", "name")
  cases
}

# Runs one case; returns a list with outcome ("ok", "error" or "crash"-free condition classes),
# the condition, the result and whether the inputs survived unchanged. Never throws.
run_bad_input_case <- function(case) {
  d <- case$data()
  before <- unserialize(serialize(d, NULL))  # a deep copy: C++ writing in place cannot touch it
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off(), add = TRUE)
  res <- tryCatch(withCallingHandlers(list(value = case$call(d)),
                                      warning = function(w) invokeRestart("muffleWarning")),
                  error = function(e) list(error = e))
  unchanged <- identical(d, before)
  if (!is.null(res$error)) {
    e <- res$error
    return(list(outcome = class(e)[1], classes = class(e), message = conditionMessage(e),
                arg = if (inherits(e, "nembed_error")) e$arg, unchanged = unchanged))
  }
  # The result is checked here, where it was made, so that a child process returns the verdict
  # rather than the (large) result; a check that fails with an error says so.
  checked <- tryCatch({
    v <- case$check(res$value, d)
    if (isTRUE(v) || is.character(v)) v else FALSE
  }, error = function(e) paste("the check failed:", conditionMessage(e)))
  list(outcome = "ok", checked = checked, unchanged = unchanged)
}

# Runs every case of the table `table` (the name of a case-table function defined in `helpers`)
# in one fresh R process running the installed nembed, so that the same run both checks each
# outcome and proves that no case crashes R. Returns the run_bad_input_case() results by case
# name, or the error of the child process (a crash or a hang) when it did not finish. Without
# callr the cases run in this process (the crash proof is then skipped).
run_cases_in_child <- function(helpers, table, timeout) {
  child <- function(helpers, table) {
    suppressPackageStartupMessages(library(nembed))
    env <- new.env()
    for (h in helpers) sys.source(h, envir = env)
    lapply(env[[table]](), env$run_bad_input_case)
  }
  if (!requireNamespace("callr", quietly = TRUE)) return(lapply(get(table)(), run_bad_input_case))
  tryCatch(callr::r(child, args = list(helpers, table), libpath = .libPaths(), timeout = timeout),
           error = function(e) e)
}

# Checks one case's outcome (shared by test-bad-input.R and test-abuse.R).
expect_case <- function(case, res) {
  label <- case$name
  expect_true(res$unchanged, label = paste0(label, ": inputs unchanged"))
  if (identical(case$expect, "ok")) {
    expect_identical(res$outcome, "ok",
                     label = paste0(label, ": outcome (", res$message %||% "", ")"))
    if (identical(res$outcome, "ok")) {
      expect_true(isTRUE(res$checked),
                  label = paste0(label, ": result check (", format(res$checked), ")"))
    }
  } else {
    expect_true("nembed_error" %in% res$classes,
                label = paste0(label, ": nembed_error (got ", res$outcome, ": ", res$message, ")"))
    expect_identical(res$arg, case$expect, label = paste0(label, ": condition's arg"))
    # The message names the argument, in backticks (`X` or a part of it, `X$idx`).
    expect_true(grepl(paste0("`", case$expect, "[`$]"), res$message),
                label = paste0(label, ": message names `", case$expect, "` (", res$message, ")"))
    if (!is.null(case$class)) {
      expect_true(paste0("nembed_error_", case$class) %in% res$classes,
                  label = paste0(label, ": subclass ", case$class, " (got ",
                                 paste(res$classes, collapse = "/"), ")"))
    }
  }
}
