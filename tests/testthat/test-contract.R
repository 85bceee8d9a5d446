# The family contract of the embed_* functions (in the spirit of openTSNE's default-parameter
# test): every embed_* returns its class with the fixed record, and an argument shared by several
# methods has one name, one meaning and one default. A method that needs another default for a
# shared argument is listed in `contract_exceptions` with the reason; anything else fails here.

embed_methods <- c("embed_tsne", "embed_umap", "embed_contrastive", "embed_fa2", "embed_parametric",
                   "embed_laplacian", "embed_spectrum", "embed_pca", "embed_wasserstein")

# Shared argument -> its one default.
contract_defaults <- list(n_threads = NULL, seed = NULL, verbose = FALSE, pca = TRUE,
                          n_components = 2, k = 15, n_negatives = 5, n_epochs = NULL,
                          n_iter = 750, init = "pca", perplexity = 30)

contract_exceptions <- list(
  embed_tsne = list(k = NULL,  # 3 x perplexity neighbours, as FIt-SNE and openTSNE
                    init = "pca"),
  embed_umap = list(k = 14,  # umap-learn's n_neighbors = 15 counts the point itself
                    init = "spectral"),  # umap-learn's and uwot's start
  embed_pca = list(seed = 1)  # only irlba's start vector; PCA is deterministic otherwise
)

# Names another package uses for a shared argument; nembed has one spelling each.
synonyms <- c("n_neighbors", "negative_sample_rate", "num_threads", "nthreads", "random_state",
              "max_iter", "n_iters", "n_dims", "dims_out", "early_exaggeration_iter")

default_formals <- function(fun) {
  f <- formals(getFromNamespace(paste0(fun, ".default"), "nembed"))
  # Deprecated names stand after `...` (so they must be given in full) with default NULL.
  f[seq_len(match("...", names(f)) - 1L)]
}

test_that("shared arguments have one name and one default across embed_*", {
  for (fun in embed_methods) {
    f <- default_formals(fun)
    expect_identical(names(f)[1], "X", label = fun)
    expect_false(any(names(f) %in% synonyms), label = fun)
    for (arg in intersect(names(f), names(contract_defaults))) {
      want <- if (arg %in% names(contract_exceptions[[fun]])) contract_exceptions[[fun]][[arg]]
              else contract_defaults[[arg]]
      expect_identical(eval(f[[arg]]), want, label = sprintf("%s(%s)", fun, arg))
    }
  }
  # Every method with threads or a seed takes both, and verbosity too (PCA is silent).
  for (fun in setdiff(embed_methods, "embed_pca")) {
    expect_true(all(c("n_threads", "seed", "verbose") %in% names(default_formals(fun))),
                label = fun)
  }
})

test_that("early_exaggeration is t-SNE's factor, a number, wherever it appears", {
  for (fun in embed_methods) {
    f <- default_formals(fun)
    if ("early_exaggeration" %in% names(f)) {
      expect_true(is.numeric(eval(f$early_exaggeration)), label = fun)
    }
  }
})

test_that("renamed arguments still work, with a classed deprecation warning", {
  X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
  expect_warning(old <- embed_umap(X, n_neighbors = 10, n_epochs = 20, n_threads = 1, seed = 1),
                 class = "nembed_deprecated")
  new <- embed_umap(X, k = 9, n_epochs = 20, n_threads = 1, seed = 1)
  expect_identical(as.matrix(old), as.matrix(new))
  expect_warning(old <- embed_umap(X, negative_sample_rate = 3, n_epochs = 20, n_threads = 1,
                                   seed = 1), class = "nembed_deprecated")
  new <- embed_umap(X, n_negatives = 3, n_epochs = 20, n_threads = 1, seed = 1)
  expect_identical(as.matrix(old), as.matrix(new))
  expect_warning(old <- embed_contrastive(X, loss = "neg", s = 0.5, early_exaggeration = FALSE,
                                          n_epochs = 20, n_threads = 1, seed = 1),
                 class = "nembed_deprecated")
  new <- embed_contrastive(X, loss = "neg", s = 0.5, early_phase = FALSE, n_epochs = 20,
                           n_threads = 1, seed = 1)
  expect_identical(as.matrix(old), as.matrix(new))
  expect_identical(embedding_record(new)$params$n_early, 0L)
})

expect_fixed_record <- function(rec, label) {
  expect_identical(names(rec)[1:7],
                   c("method", "params", "init", "loss", "loss_name", "timings", "inputs"),
                   label = label)
  expect_true(is.character(rec$method) && length(rec$method) == 1L, label = label)
  expect_true(all(c("seed", "n_threads") %in% names(rec$params)), label = label)
  expect_identical(rec$params$n_threads, 1L, label = label)
  expect_s3_class(rec$loss, "data.frame")
  expect_true(all(c("iteration", "value") %in% names(rec$loss)), label = label)
  expect_identical(names(rec$timings),
                   c("pca", "knn", "affinities", "init", "optimisation", "total"), label = label)
  expect_true(is.finite(rec$timings$total) && rec$timings$total >= 0, label = label)
  expect_true(all(c("type", "n") %in% names(rec$inputs)), label = label)
}

test_that("every embed_* returns its class with the fixed record", {
  set.seed(3)
  X <- matrix(rnorm(150 * 4), 150)  # one connected cloud, for Laplacian eigenmaps
  n <- nrow(X)
  groups <- rep(seq_len(15), length.out = n)
  runs <- list(
    embed_tsne = embed_tsne(X, perplexity = 10, n_iter = 100, n_threads = 1, seed = 1),
    embed_umap = embed_umap(X, n_epochs = 20, n_threads = 1, seed = 1),
    embed_contrastive = embed_contrastive(X, n_epochs = 20, n_threads = 1, seed = 1),
    embed_fa2 = embed_fa2(X, n_iter = 20, n_threads = 1, seed = 1),
    embed_laplacian = embed_laplacian(X, n_threads = 1, seed = 1),
    embed_pca = embed_pca(X, n_threads = 1),
    embed_parametric = embed_parametric(X, hidden = 8, n_epochs = 3, n_threads = 1, seed = 1),
    embed_wasserstein = embed_wasserstein(X, groups, perplexity = 3, n_iter = 100,
                                          n_threads = 1, seed = 1)
  )
  expect_setequal(c(names(runs), "embed_spectrum"), embed_methods)
  for (fun in names(runs)) {
    expect_s3_class(runs[[fun]], "nembed_embedding")
    rec <- embedding_record(runs[[fun]])
    expect_fixed_record(rec, fun)
    expect_identical(rec$params$seed, 1, label = fun)
    if (fun != "embed_wasserstein") expect_identical(rec$inputs$n, n, label = fun)
  }
  expect_identical(embedding_record(runs$embed_tsne)$inputs$type, "data")
  expect_identical(embedding_record(runs$embed_wasserstein)$inputs$type, "dist")
  # t-SNE records its KL divergence: the last value is the KL of the final layout (independent
  # brute-force reference, see helper-reference.R).
  rec <- embedding_record(runs$embed_tsne)
  expect_gt(nrow(rec$loss), 0L)
  expect_identical(final_loss(rec$loss)$value, utils::tail(rec$loss$value, 1))
  sp <- embed_spectrum(X, exaggeration = c(1, 4), perplexity = 10, n_iter = 100,
                       extra = c("umap", "fa2", "laplacian"), n_threads = 1, seed = 1)
  expect_s3_class(sp, "nembed_spectrum")
  for (r in attr(sp, "records")) expect_fixed_record(r, paste("embed_spectrum", r$method))
  # continue_tsne and embed_transform keep the schema.
  expect_fixed_record(embedding_record(continue_tsne(runs$embed_tsne, n_iter = 50, n_threads = 1)),
                      "continue_tsne")
  expect_fixed_record(embedding_record(embed_transform(runs$embed_umap, X[1:5, ], n_threads = 1)),
                      "embed_transform")
})

test_that("print() and final_loss() read the loss frame", {
  X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
  emb <- embed_tsne(X, perplexity = 10, n_iter = 100, n_threads = 1, seed = 1)
  rec <- embedding_record(emb)
  out <- capture.output(print(emb))
  expect_match(out[3], sprintf("final loss \\(KL divergence, iteration 100\\): %.4f",
                               utils::tail(rec$loss$value, 1)))
  expect_null(final_loss(embedding_record(embed_umap(X, n_epochs = 10, n_threads = 1,
                                                     seed = 1))$loss))
})

test_that("work booked to one stage inside another is counted once (stage_within)", {
  ctx <- nembed:::nembed_context(n_threads = 1, seed = 1)
  nembed:::stage(ctx, "optimisation", {
    Sys.sleep(0.1)
    nembed:::stage_within(ctx, "affinities", "optimisation", Sys.sleep(0.3))
  })
  tm <- nembed:::record_timings(ctx)
  # (margins for the clock's resolution and sleeping's slack)
  expect_gte(tm$affinities, 0.25)
  expect_lt(tm$optimisation, 0.25)   # 0.1 s of its own, not 0.4
  expect_gte(tm$optimisation, 0.05)
  expect_lte(tm$affinities + tm$optimisation, tm$total + 0.05)
})
