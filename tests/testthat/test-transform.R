test_that("transformed test points are classified about as well as the reference points", {
  cl <- three_clusters(n_per = 150, dim = 20, sep = 3, seed = 21)
  test <- seq(3, 450, by = 3)
  emb <- embed_tsne(cl$X[-test, ], n_iter = 500, n_threads = 2, seed = 1)
  new <- embed_transform(emb, cl$X[test, ], n_threads = 2)
  expect_s3_class(new, "nembed_embedding")
  expect_equal(nrow(new), length(test))
  acc_ref <- knn_accuracy(emb, cl$labels[-test], n_threads = 1)
  expect_gte(transfer_accuracy(emb, new, cl$labels[-test], cl$labels[test]), acc_ref - 0.03)
  # optimisation keeps points near their median initialisation but does move them
  init <- embedding_record(new)$init
  expect_false(isTRUE(all.equal(init, unname(as.matrix(new)))))
})

test_that("transform quality on Fashion-MNIST: test accuracy within 0.03 of train accuracy", {
  skip_if_not(fashion_available(), "Fashion-MNIST not installed")
  fm <- fashion_subset()
  tr <- 1:5000
  emb <- embed_tsne(fm$X[tr, ], n_threads = 2, seed = 1)
  new <- embed_transform(emb, fm$X[-tr, ], n_threads = 2)
  expect_gte(transfer_accuracy(emb, new, fm$labels[tr], fm$labels[-tr]),
             knn_accuracy(emb, fm$labels[tr], n_threads = 2) - 0.03)
})

test_that("UMAP transform quality on Fashion-MNIST: test accuracy within 0.04 of train accuracy", {
  skip_if_not(fashion_available(), "Fashion-MNIST not installed")
  fm <- fashion_subset()
  tr <- 1:5000
  emb <- embed_umap(fm$X[tr, ], n_epochs = 200, n_threads = 2, seed = 1)
  new <- embed_transform(emb, fm$X[-tr, ], n_threads = 2)
  acc_train <- knn_accuracy(emb, fm$labels[tr], n_threads = 2)
  acc_test <- transfer_accuracy(emb, new, fm$labels[tr], fm$labels[-tr])
  expect_gte(acc_test, acc_train - 0.04)
  # the SGD improves on the weighted-mean start
  init <- embedding_record(new)$init
  expect_gt(acc_test, transfer_accuracy(emb, init, fm$labels[tr], fm$labels[-tr]))
})

test_that("UMAP transform: memberships, weighted-mean start and SGD as documented", {
  cl <- three_clusters(n_per = 60, dim = 6, sep = 4, seed = 24)
  test <- seq(2, 180, by = 4)
  train <- cl$X[-test, ]
  emb <- embed_umap(train, k = 9, n_epochs = 100, init = "pca", n_threads = 1,
                    seed = 1)
  # brute-force neighbours and R memberships: the start is their weighted mean
  D <- as.matrix(stats::dist(rbind(cl$X[test, ], train)))[seq_along(test), -seq_along(test)]
  idx <- t(apply(D, 1, function(r) order(r)[1:9]))
  V <- ref_umap_memberships(t(vapply(seq_along(test), function(i) D[i, idx[i, ]], numeric(9))))
  Y <- unname(as.matrix(emb))
  start <- vapply(1:2, function(c) rowSums(V * matrix(Y[idx, c], nrow(idx))) / rowSums(V),
                  numeric(length(test)))
  new0 <- embed_transform(emb, cl$X[test, ], n_epochs = 0, n_threads = 1)
  expect_equal(unname(as.matrix(new0)), start, tolerance = 1e-5)
  # the optimisation: a third of the epochs, a quarter of the learning rate, the embedding's seed
  new <- embed_transform(emb, cl$X[test, ], n_threads = 1)
  rec <- embedding_record(new)
  expect_identical(rec$method, "umap_transform")
  expect_identical(rec$params[c("k", "n_epochs", "learning_rate", "seed")],
                   list(k = 9L, n_epochs = 33L, learning_rate = 0.25,
                        seed = embedding_record(emb)$params$seed))
  expect_equal(rec$init, start, tolerance = 1e-5)
  expect_false(isTRUE(all.equal(rec$init, unname(as.matrix(new)))))
  expect_gte(transfer_accuracy(emb, new, cl$labels[-test], cl$labels[test]),
             knn_accuracy(emb, cl$labels[-test], n_threads = 1) - 0.03)
  # the same for any number of threads; another seed gives another result
  expect_identical(as.matrix(embed_transform(emb, cl$X[test, ], n_threads = 2)), as.matrix(new))
  other <- embed_transform(emb, cl$X[test, ], seed = 7, n_threads = 1)
  expect_false(isTRUE(all.equal(as.matrix(other), as.matrix(new))))
})

test_that("a new point at a reference point's exact position lands next to it", {
  X <- noisy_circle(n = 500, dim = 10, sigma = 0.05, seed = 1)
  pick <- seq(1, 500, by = 10)
  embs <- list(umap = embed_umap(X, n_epochs = 200, n_threads = 1, seed = 1),
               neg = embed_contrastive(X, loss = "neg", n_epochs = 200, n_threads = 1, seed = 1),
               cumap = embed_contrastive(X, loss = "umap", n_epochs = 200, n_threads = 1,
                                         seed = 1),
               infonce = embed_contrastive(X, loss = "infonce", n_epochs = 200, n_threads = 1,
                                           seed = 1))
  for (m in names(embs)) {
    Y <- unname(as.matrix(embs[[m]]))
    new <- unname(as.matrix(embed_transform(embs[[m]], X[pick, ], n_threads = 1)))
    # rank of the original among the reference points nearest to where its copy landed
    own_rank <- vapply(seq_along(pick), function(i) {
      d <- colSums((t(Y) - new[i, ])^2)
      sum(d < d[pick[i]]) + 1
    }, numeric(1))
    expect_lte(median(own_rank), 5, label = m)
    expect_lte(max(own_rank), 20, label = m)
  }
})

test_that("the contrastive transform follows the R reference of its batch SGD", {
  cl <- three_clusters(n_per = 100, dim = 10, sep = 3, seed = 25)
  test <- seq(4, 300, by = 4)
  for (loss in c("neg", "infonce")) {
    emb <- embed_contrastive(cl$X[-test, ], loss = loss, n_epochs = 150, n_threads = 1, seed = 1)
    rec <- embedding_record(emb)
    new <- embed_transform(emb, cl$X[test, ], n_threads = 1)
    Y0 <- embedding_record(new)$init
    ref <- rec$reference
    Xq <- cl$X[test, ]
    if (!is.null(ref$pca)) Xq <- sweep(Xq, 2, ref$pca$center) %*% ref$pca$rotation
    nbr <- nembed:::knn_query_cpp(ref$data, Xq, list(k = 15L, metric = ref$metric,
                                                     n_threads = 1L))$idx
    # The start is the mean of the reference neighbours, as documented.
    Yref <- unname(as.matrix(emb))
    expect_equal(Y0[, 1], rowMeans(matrix(Yref[nbr, 1], nrow(Xq))), tolerance = 1e-6)
    spec <- if (loss == "neg") rec$c else rec$rho
    want <- ref_cne_transform(Y0, Yref, nbr, rec$graph@i + 1L, loss, spec, n_epochs = 50,
                              lr = 0.25, seed = 1)
    got <- unname(as.matrix(new))
    # Different random streams, the same algorithm: the new points move as far from their start
    # and land where the reference puts them (against a spread of several units).
    step <- function(Y) stats::median(sqrt(rowSums((Y - Y0)^2)))
    expect_equal(step(got), step(want), tolerance = 0.2, info = loss)
    expect_lt(stats::median(sqrt(rowSums((got - want)^2))), 0.5 * step(want), label = loss)
    expect_equal(transfer_accuracy(emb, got, cl$labels[-test], cl$labels[test]),
                 transfer_accuracy(emb, want, cl$labels[-test], cl$labels[test]), tolerance = 0.03)
  }
})

test_that("the contrastive transform gives the same points for any number of threads", {
  cl <- three_clusters(n_per = 100, dim = 10, sep = 3, seed = 26)
  test <- seq(3, 300, by = 3)
  # 70 negatives: a batch of 1,024 pairs holds 72,704 pair terms and is split over threads.
  emb <- embed_contrastive(cl$X[-test, ], loss = "neg", s = 0.5, n_negatives = 70, n_epochs = 6,
                           n_threads = 2, seed = 3)
  a <- embed_transform(emb, cl$X[test, ], n_threads = 1)
  b <- embed_transform(emb, cl$X[test, ], n_threads = 2)
  expect_identical(as.matrix(a), as.matrix(b))
  expect_false(isTRUE(all.equal(as.matrix(a), embedding_record(a)$init,
                                check.attributes = FALSE)))
})

test_that("an embedding survives saveRDS and a new R session, and transforms identically", {
  skip_if_not_installed("callr")
  cl <- three_clusters(n_per = 60, dim = 8, seed = 22)
  embs <- list(tsne = embed_tsne(cl$X[1:150, ], n_iter = 300, n_threads = 1, seed = 1),
               umap = embed_umap(cl$X[1:150, ], n_epochs = 100, init = "pca", n_threads = 1,
                                 seed = 1),
               nce = embed_contrastive(cl$X[1:150, ], loss = "nce", n_epochs = 60,
                                       n_threads = 1, seed = 1))
  f <- tempfile(fileext = ".rds")
  saveRDS(embs, f)
  here <- lapply(embs, embed_transform, X_new = cl$X[151:180, ], n_threads = 1)
  there <- callr::r(function(f, X) {
    lapply(readRDS(f), nembed::embed_transform, X_new = X, n_threads = 1)
  }, args = list(f = f, X = cl$X[151:180, ]))
  for (m in names(embs)) {
    expect_identical(unname(as.matrix(there[[m]])), unname(as.matrix(here[[m]])), label = m)
  }
})

test_that("embed_transform rejects what it cannot use", {
  cl <- three_clusters(n_per = 30, dim = 5, seed = 23)
  emb <- embed_tsne(cl$X, n_iter = 100, n_threads = 1, seed = 1)
  expect_nembed_error(embed_transform(emb, cl$X[, 1:3], n_threads = 1), "X_new")
  P <- embedding_record(emb)$affinities
  emb_p <- embed_tsne(P, n_iter = 50, n_threads = 1, seed = 1)
  expect_nembed_error(embed_transform(emb_p, cl$X, n_threads = 1), "embedding")
  expect_nembed_error(embed_transform(data.frame(x = 1:3, y = 1:3), cl$X), "embedding")
  # UMAP and contrastive embeddings of a graph or of affinities have no reference data either
  g <- knn_graph(cl$X, k = 10, n_threads = 1)
  from_graph <- list(
    embed_umap(g, n_epochs = 20, init = "random", n_threads = 1, seed = 1),
    embed_umap(affinities(g, method = "umap", k = 10, n_threads = 1), n_epochs = 20,
               init = "random", n_threads = 1, seed = 1),
    embed_contrastive(g, n_epochs = 20, init = "random", n_threads = 1, seed = 1))
  for (e in from_graph) {
    expect_error(embed_transform(e, cl$X, n_threads = 1), "no reference data",
                 class = "nembed_error_value")
  }
  # arguments of the other kind of transform are refused, not ignored
  emb_u <- embed_umap(cl$X, n_epochs = 20, init = "pca", n_threads = 1, seed = 1)
  expect_nembed_error(embed_transform(emb_u, cl$X, perplexity = 10, n_threads = 1), "perplexity")
  expect_nembed_error(embed_transform(emb_u, cl$X, n_iter = 10, n_threads = 1), "n_iter")
  expect_nembed_error(embed_transform(emb, cl$X, n_epochs = 10, n_threads = 1), "n_epochs")
  expect_nembed_error(embed_transform(emb, cl$X, seed = 1, n_threads = 1), "seed")
  expect_error(embed_transform(emb_u, cl$X, k = 1000, n_threads = 1), class = "nembed_error_size")
  expect_error(embed_transform(emb_u[1:10, ], cl$X, n_threads = 1), class = "nembed_error_size")
  expect_error(embed_transform(emb_u, cl$X, n_epochs = -1, n_threads = 1),
               class = "nembed_error_value")
  # embeddings that have no transform
  emb_f <- embed_fa2(cl$X, n_iter = 10, n_threads = 1, seed = 1)
  expect_error(embed_transform(emb_f, cl$X, n_threads = 1), class = "nembed_error_type")
})
