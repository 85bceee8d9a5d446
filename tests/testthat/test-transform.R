test_that("transformed test points are classified about as well as the reference points", {
  cl <- three_clusters(n_per = 150, dim = 20, sep = 3, seed = 21)
  test <- seq(3, 450, by = 3)
  emb <- embed_tsne(cl$X[-test, ], n_iter = 500, n_threads = 2, seed = 1)
  new <- embed_transform(emb, cl$X[test, ], n_threads = 2)
  expect_s3_class(new, "nembed_embedding")
  expect_equal(nrow(new), length(test))
  nn <- nembed:::knn_query_cpp(as.matrix(emb), as.matrix(new), 10, "euclidean", 1, FALSE)$idx
  lab <- as.integer(factor(cl$labels))
  pred <- nembed:::majority_vote(matrix(lab[-test][nn], nrow = nrow(nn)), 3)
  acc_ref <- knn_accuracy(emb, cl$labels[-test], n_threads = 1)
  expect_gte(mean(pred == lab[test]), acc_ref - 0.03)
  # optimisation keeps points near their median initialisation but does move them
  init <- embedding_record(new)$init
  expect_false(isTRUE(all.equal(init, unname(as.matrix(new)))))
})

test_that("transform quality on Fashion-MNIST: test accuracy within 0.03 of train accuracy", {
  skip_if_not(fashion_available(), "Fashion-MNIST not installed")
  fm <- load_fashion_mnist(n = 6000, seed = 2)
  tr <- 1:5000
  emb <- embed_tsne(fm$X[tr, ], n_threads = 2, seed = 1)
  new <- embed_transform(emb, fm$X[-tr, ], n_threads = 2)
  nn <- nembed:::knn_query_cpp(as.matrix(emb), as.matrix(new), 10, "euclidean", 2, FALSE)$idx
  lab <- as.integer(fm$labels)
  pred <- nembed:::majority_vote(matrix(lab[tr][nn], nrow = nrow(nn)), 10)
  expect_gte(mean(pred == lab[-tr]), knn_accuracy(emb, fm$labels[tr], n_threads = 2) - 0.03)
})

test_that("an embedding survives saveRDS and a new R session, and transforms identically", {
  skip_if_not_installed("callr")
  cl <- three_clusters(n_per = 60, dim = 8, seed = 22)
  emb <- embed_tsne(cl$X[1:150, ], n_iter = 300, n_threads = 1, seed = 1)
  f <- tempfile(fileext = ".rds")
  saveRDS(emb, f)
  here <- embed_transform(emb, cl$X[151:180, ], n_threads = 1)
  there <- callr::r(function(f, X) {
    emb <- readRDS(f)
    nembed::embed_transform(emb, X, n_threads = 1)
  }, args = list(f = f, X = cl$X[151:180, ]))
  expect_identical(unname(as.matrix(there)), unname(as.matrix(here)))
})

test_that("embed_transform rejects what it cannot use", {
  cl <- three_clusters(n_per = 30, dim = 5, seed = 23)
  emb <- embed_tsne(cl$X, n_iter = 100, n_threads = 1, seed = 1)
  expect_nembed_error(embed_transform(emb, cl$X[, 1:3], n_threads = 1), "X_new")
  P <- embedding_record(emb)$affinities
  emb_p <- embed_tsne(P, n_iter = 50, n_threads = 1, seed = 1)
  expect_nembed_error(embed_transform(emb_p, cl$X, n_threads = 1), "embedding")
  expect_nembed_error(embed_transform(data.frame(x = 1:3, y = 1:3), cl$X), "embedding")
})
