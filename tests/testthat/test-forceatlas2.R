test_that("embed_fa2 lowers the ForceAtlas2 energy and separates Gaussian clusters", {
  d <- gaussian_clusters()
  emb <- embed_fa2(d$X, n_iter = 200, n_threads = 2, seed = 1)
  rec <- embedding_record(emb)
  e0 <- nembed:::fa2_energy(rec$init_coords, rec$graph)
  e1 <- nembed:::fa2_energy(as.matrix(emb), rec$graph)
  expect_lt(e1, e0)
  expect_equal(knn_accuracy(emb, d$labels, k = 10, n_threads = 1), 1)
})

test_that("fa2_energy's gradient is minus the ForceAtlas2 force used by the exact layout", {
  # One exact iteration from a layout where adaptive speed is irrelevant: check the energy decreases
  # along the layout's moves for exact (theta = 0) and Barnes-Hut repulsion alike.
  d <- gaussian_clusters(n_per = 30)
  ex <- embed_fa2(d$X, n_iter = 100, theta = 0, n_threads = 1, seed = 1)
  bh <- embed_fa2(d$X, n_iter = 100, theta = 1.2, n_threads = 2, seed = 1)
  g <- embedding_record(ex)$graph
  e_ex <- nembed:::fa2_energy(as.matrix(ex), g)
  e_bh <- nembed:::fa2_energy(as.matrix(bh), g)
  e_in <- nembed:::fa2_energy(embedding_record(ex)$init_coords, g)
  expect_lt(e_ex, e_in)
  expect_lt(abs(e_bh - e_ex), 0.01 * abs(e_in - e_ex))
})

test_that("embed_fa2 is identical for 1 and 2 threads", {
  d <- gaussian_clusters(n_per = 40)
  a <- embed_fa2(d$X, n_iter = 30, n_threads = 1, seed = 1)
  b <- embed_fa2(d$X, n_iter = 30, n_threads = 2, seed = 1)
  expect_identical(as.matrix(a), as.matrix(b))
})

test_that("bad input to embed_fa2 gives nembed_error", {
  X <- matrix(rnorm(200), 50)
  expect_error(embed_fa2(X, theta = -1), class = "nembed_error_value")
  expect_error(embed_fa2(X, scaling_ratio = 0), class = "nembed_error_value")
  expect_error(embed_fa2(X, n_iter = 1.5), class = "nembed_error_value")
  expect_error(embed_fa2(list(1)), class = "nembed_error")
})
