# embed_tsne() holds P once at scale (issue 16): the optimiser's P built in the core and the
# record's P built after the optimisation must give what the R-held P gives, by another route.
# Below nembed:::tsne_core_p_min_edges() directed edges embed_tsne() takes the R route.

test_that("P held in the core gives the same layout and record as P passed from R", {
  # The core route is embed_tsne()'s above 10^7 directed edges; here at any size.
  withr::local_options(nembed.tsne_core_p_min_edges = 0)
  set.seed(3)
  X <- matrix(rnorm(600 * 5), 600)
  g <- knn_graph(X, k = 30, n_threads = 1, seed = 1)
  # From data: P held in the core (PCA initialisation made before the affinities).
  emb_core <- embed_tsne(X, perplexity = 10, k = 30, n_iter = 120, n_threads = 1, seed = 1)
  rec <- embedding_record(emb_core)
  # The reference route: the affinities object built in R and passed in, initialised the same way.
  P <- affinities(g, perplexity = 10, k = 30, n_threads = 1)
  Y0 <- nembed:::init_layout("pca", nembed:::nembed_context(1, 1, FALSE), NULL, X, 600, 2,
                             scale = "tsne")$Y
  emb_r <- embed_tsne(P, init = Y0, n_iter = 120, n_threads = 1, seed = 1)
  expect_identical(as.matrix(emb_core), as.matrix(emb_r))
  expect_identical(rec$affinities$P, P$P)
  expect_identical(rec$affinities$beta, P$beta)
  expect_identical(rec$affinities$knn$idx, P$knn$idx)
  # continue_tsne() reads the rebuilt P: the same as continuing the reference run.
  expect_identical(as.matrix(continue_tsne(emb_core, n_iter = 20, n_threads = 1)),
                   as.matrix(continue_tsne(emb_r, n_iter = 20, n_threads = 1)))
})

test_that("the core P renumbers to the same optimisation as the R-held P", {
  set.seed(4)
  X <- matrix(rnorm(500 * 4), 500)
  g <- knn_graph(X, k = 30, n_threads = 1, seed = 1)
  P <- affinities(g, perplexity = 10, k = 30, n_threads = 1)$P
  Y0 <- matrix(rnorm(1000, sd = 1e-4), 500)
  opts <- list(n_iter = 120L, early_iter = 100L, learning_rate = 500 / 12, early_learning_rate = 500 / 12,
               repulsion = "fft", eval_every = 50L, reorder_min_n = 10, reorder_every = 20L,
               n_threads = 2L, iter_offset = 0L, verbose = FALSE)
  # Renumbered from R's arrays (CscSource) against renumbered by moving the core's own arrays.
  r_src <- nembed:::tsne_cpp(P@p, P@i, P@x, Y0, opts)
  core <- nembed:::perplexity_tsne_p_cpp(g$idx, g$dist, list(perplexities = 10, n_threads = 1L))
  r_core <- nembed:::tsne_core_cpp(core, Y0, opts)
  expect_identical(r_core$Y, r_src$Y)
  expect_identical(r_core$kl, r_src$kl)
  # The core P is taken over: a second use is an error, not a crash.
  expect_error(nembed:::core_call(nembed:::tsne_core_cpp(core, Y0, opts)), class = "nembed_error")
})

test_that("perplexity affinities computed where read equal the stored conditional ones, multi-scale too", {
  set.seed(5)
  X <- matrix(rnorm(300 * 3), 300)
  g <- knn_graph(X, k = 45, n_threads = 1, seed = 1)
  P <- affinities(g, perplexity = c(5, 15), k = 45, n_threads = 2)$P
  # Reference: the stored p_{j|i} (brute-force symmetrisation in R).
  pc <- nembed:::perplexity_conditional_cpp(g$dist, c(5, 15), list(n_threads = 1L))
  n <- nrow(X)
  C <- Matrix::sparseMatrix(i = rep(seq_len(n), 45), j = as.vector(g$idx), x = as.vector(pc),
                            dims = c(n, n))
  ref <- (C + Matrix::t(C)) / (2 * n)
  expect_equal(as.matrix(P), as.matrix(ref), tolerance = 1e-14)
  expect_equal(sum(P), 1, tolerance = 1e-12)
})

test_that("embed_tsne() takes the core route only above tsne_core_p_min_edges()", {
  set.seed(6)
  X <- matrix(rnorm(300 * 4), 300)
  calls <- 0
  suppressMessages(trace("tsne_core_affinities", where = asNamespace("nembed"), print = FALSE,
                         tracer = bquote(assign("calls", get("calls", .(environment())) + 1,
                                                envir = .(environment())))))
  on.exit(suppressMessages(untrace("tsne_core_affinities", where = asNamespace("nembed"))), add = TRUE)
  route <- function(threshold) {
    withr::local_options(nembed.tsne_core_p_min_edges = threshold)
    emb <- embed_tsne(X, perplexity = 10, k = 30, n_iter = 60, n_threads = 1, seed = 1)
    list(Y = as.matrix(emb), P = embedding_record(emb)$affinities$P)
  }
  small <- route(1e7)  # 9,000 directed edges: R's P, built once
  expect_equal(calls, 0)
  big <- route(8999)   # the core route
  expect_equal(calls, 1)
  expect_identical(big$Y, small$Y)
  expect_identical(big$P, small$P)
})
