# Parametric embeddings: the network's backward pass against finite differences, its loss value
# against a closed-form R computation, the forward pass in R against embed_transform(), training,
# determinism, saveRDS() round trip and bad input.

# Three well separated Gaussian clusters in 12 dimensions.
parametric_blobs <- function(n_per = 60, p = 12, seed = 3) {
  set.seed(seed)
  centres <- matrix(stats::rnorm(3 * p, sd = 6), 3, p)
  lab <- rep(1:3, each = n_per)
  X <- centres[lab, ] + matrix(stats::rnorm(length(lab) * p), length(lab), p)
  list(X = X, labels = lab)
}

# The network's forward pass in plain R (double precision) from the stored model.
r_forward <- function(model, X) {
  H <- if (is.null(model$input$rotation)) sweep(X, 2, model$input$center) else
    sweep(X, 2, model$input$center) %*% model$input$rotation
  H <- H / model$input$scale
  L <- length(model$weights)
  for (l in seq_len(L)) {
    H <- H %*% model$weights[[l]] + rep(model$biases[[l]], each = nrow(H))
    if (l < L) H <- pmax(H, 0)
  }
  H
}

# The batch loss in R from the pool's outputs Y (2b x 2; heads then tails) and the b x m slots:
# contrastive-ne's losses with its clamps (none of which is active in these tests).
r_batch_loss <- function(Y, slots, loss, spec) {
  b <- nrow(slots)
  total <- 0
  for (r in seq_len(b)) {
    others <- c(b + r, slots[r, ])
    d2 <- colSums((t(Y[others, , drop = FALSE]) - Y[r, ])^2)
    phi <- 1 / (1 + d2)
    total <- total + switch(loss,
      infonce = 0.5 * (-log(phi[1]) + log(sum(phi)) / spec),
      neg = , nce = {
        eta <- 1 / (1 + spec * (d2 + 1))
        -log(eta[1]) - sum(log(1 - eta[-1]))
      },
      umap = -log(phi[1]) - sum(log(1 - phi[-1])))
  }
  total
}

# Central differences of f(params) with respect to every entry of params[[l]] (params: a list of
# weight matrices or of bias vectors), in the shape of params[[l]].
central_differences <- function(f, params, l, h) {
  g <- params[[l]]
  for (q in seq_along(g)) {
    up <- params
    down <- params
    up[[l]][q] <- up[[l]][q] + h
    down[[l]][q] <- down[[l]][q] - h
    g[q] <- (f(up) - f(down)) / (2 * h)
  }
  g
}

test_that("the backward pass matches finite differences of the loss, for every loss", {
  set.seed(11)
  sizes <- c(3, 5, 4, 2)
  weights <- lapply(1:3, function(l) matrix(stats::rnorm(sizes[l] * sizes[l + 1], sd = 0.7),
                                              sizes[l], sizes[l + 1]))
  biases <- lapply(1:3, function(l) stats::rnorm(sizes[l + 1], sd = 0.3))
  b <- 4
  m <- 3
  X <- matrix(stats::rnorm(2 * b * 3), 2 * b, 3)
  slots <- t(sapply(seq_len(b), function(r) sample(setdiff(seq_len(2 * b), c(r, b + r)), m)))
  codes <- c(neg = 0L, nce = 1L, infonce = 2L, umap = 3L)
  specs <- c(neg = 0.3, nce = 2, infonce = 1.7, umap = 1)
  for (loss in names(codes)) {
    opts <- list(loss = loss, spec = specs[[loss]])
    res <- nembed:::parametric_batch_gradient_cpp(X, weights, biases, slots, opts)
    # Forward pass and loss value against R.
    model <- list(weights = weights, biases = biases,
                  input = list(center = rep(0, 3), rotation = NULL, scale = 1))
    Yr <- r_forward(model, X)
    expect_equal(res$Y, Yr, tolerance = 1e-12, info = loss)
    expect_equal(res$loss, r_batch_loss(Yr, slots, loss, specs[[loss]]), tolerance = 1e-10,
                 info = loss)
    # Central differences on every weight and bias.
    f <- function(w, bb) nembed:::parametric_batch_gradient_cpp(X, w, bb, slots, opts)$loss
    h <- 1e-6
    for (l in 1:3) {
      fd_W <- central_differences(function(w) f(w, biases), weights, l, h)
      fd_b <- central_differences(function(bb) f(weights, bb), biases, l, h)
      scale <- max(1, abs(fd_W), abs(fd_b))
      # The per-pair gradient comes from CnePairLoss in single precision: ~1e-6 relative.
      expect_lt(max(abs(res$weights[[l]] - fd_W)) / scale, 1e-4, label = paste(loss, "W", l))
      expect_lt(max(abs(res$biases[[l]] - fd_b)) / scale, 1e-4, label = paste(loss, "b", l))
      expect_gt(max(abs(fd_W)), 1e-3)  # the check is not vacuous
    }
  }
})

test_that("training lowers the loss and separates clusters; the record has the shared schema", {
  d <- parametric_blobs()
  emb <- embed_parametric(d$X, hidden = c(32, 32), n_epochs = 30, batch_size = 128,
                          n_threads = 1, seed = 1)
  rec <- embedding_record(emb)
  expect_s3_class(emb, "nembed_embedding")
  expect_true(all(c("method", "params", "init", "loss", "timings", "inputs", "model") %in%
                    names(rec)))
  expect_identical(rec$method, "parametric")
  expect_true(all(c("seed", "n_threads") %in% names(rec$params)))
  expect_identical(names(rec$loss), c("iteration", "value"))
  expect_identical(names(rec$timings), c("pca", "knn", "affinities", "init", "optimisation", "total"))
  expect_equal(nrow(rec$loss), 30)
  expect_lt(mean(utils::tail(rec$loss$value, 5)), 0.8 * mean(utils::head(rec$loss$value, 2)))
  expect_gt(knn_accuracy(emb, d$labels, n_threads = 1), 0.95)
  for (loss in c("neg", "nce", "umap")) {
    e <- embed_parametric(d$X, loss = loss, s = if (loss == "neg") 0.5, hidden = 16,
                          n_epochs = 15, batch_size = 128, n_threads = 1, seed = 2)
    r <- embedding_record(e)
    expect_true(all(is.finite(as.matrix(e))), info = loss)
    expect_lt(utils::tail(r$loss$value, 1), r$loss$value[1], label = loss)
    if (loss == "nce") expect_true(is.finite(r$log_z))
  }
})

test_that("embed_transform() is the forward pass of the stored model (with PCA)", {
  set.seed(5)
  d <- parametric_blobs(n_per = 40, p = 30)
  train <- seq(1, nrow(d$X), by = 2)
  emb <- embed_parametric(d$X[train, ], hidden = c(20, 20), pca_dims = 8, n_epochs = 10,
                          batch_size = 64, n_threads = 1, seed = 3)
  model <- embedding_record(emb)$model
  expect_equal(dim(model$input$rotation), c(30, 8))
  new <- embed_transform(emb, d$X[-train, ], n_threads = 2)
  Yr <- r_forward(model, d$X[-train, ])
  expect_equal(unname(as.matrix(new)), unname(Yr), tolerance = 1e-4)
  # The training points placed again land where training put them (single precision).
  again <- embed_transform(emb, d$X[train, ], n_threads = 1)
  expect_equal(unname(as.matrix(again)), unname(as.matrix(emb)), tolerance = 1e-4)
  # Placed points sit with their cluster.
  acc <- mean(vapply(seq_len(nrow(new)), function(i) {
    nn <- order(colSums((t(as.matrix(emb)) - as.numeric(as.matrix(new)[i, ]))^2))[1:5]
    as.integer(names(which.max(table(d$labels[train][nn])))) == d$labels[-train][i]
  }, logical(1)))
  expect_gt(acc, 0.9)
})

test_that("same seed gives the same model for 1 and 2 threads; another seed differs", {
  d <- parametric_blobs(n_per = 40)
  # Batches of 512 pairs = 1,024 pool rows = 4 blocks, so 2 threads really split the work.
  fit <- function(th, seed) embed_parametric(d$X, hidden = c(16, 16), n_epochs = 5,
                                             batch_size = 512, n_threads = th, seed = seed)
  a <- fit(1, 7)
  b <- fit(2, 7)
  expect_identical(as.matrix(a), as.matrix(b))
  expect_identical(embedding_record(a)$model$weights, embedding_record(b)$model$weights)
  expect_false(identical(as.matrix(a), as.matrix(fit(1, 8))))
})

test_that("a saved model places new points in a new R process", {
  skip_if_not_installed("callr")
  d <- parametric_blobs(n_per = 30)
  emb <- embed_parametric(d$X, hidden = 16, n_epochs = 5, batch_size = 64, n_threads = 1, seed = 1)
  Xn <- d$X[1:7, ] + 0.1
  expect_identical(transform_in_new_process(emb, Xn),
                   as.matrix(embed_transform(emb, Xn, n_threads = 1)))
})

test_that("bad input gives classed errors naming the argument", {
  d <- parametric_blobs(n_per = 20)
  fit <- function(...) embed_parametric(d$X, n_epochs = 2, batch_size = 32, n_threads = 1,
                                        seed = 1, ...)
  for (h in list(c(10, 0), 2.5, c(8, -1), "a", NA, numeric(0), Inf)) {
    err <- expect_error(fit(hidden = h), class = "nembed_error")
    expect_identical(err$arg, "hidden")
  }
  expect_error(embed_parametric(dist(d$X), n_epochs = 2), class = "nembed_error_type")
  emb <- fit(hidden = 8)
  err <- expect_error(embed_transform(emb, d$X[, -1]), class = "nembed_error_size")
  expect_identical(err$arg, "X_new")
  Xna <- d$X[1:3, ]
  Xna[2, 2] <- NA
  err <- expect_error(embed_transform(emb, Xna), class = "nembed_error_value")
  expect_identical(err$arg, "X_new")
  Xna[2, 2] <- Inf
  err <- expect_error(embed_transform(emb, Xna), class = "nembed_error_value")
  expect_identical(err$arg, "X_new")
})

test_that("a SingleCellExperiment stores the embedding and keeps the model", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  out <- embed_parametric(sce, dimred = "PCA", hidden = 16, n_epochs = 5, batch_size = 64,
                          n_threads = 1, seed = 1)
  Y <- SingleCellExperiment::reducedDim(out, "PARAMETRIC")
  expect_identical(dim(Y), c(ncol(sce), 2L))
  rec <- attr(Y, "nembed_record")
  expect_identical(rec$method, "parametric")
  # The stored model maps the input (here the stored PCA) to the stored coordinates.
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")
  expect_equal(unname(Y[, 1:2]), unname(r_forward(rec$model, pcs)), tolerance = 1e-4)
})

test_that("SIGINT stops a long parametric training within 2 s", {
  skip_on_os("windows")
  skip_if_not_installed("callr")
  child <- function(flag) {
    suppressPackageStartupMessages(library(nembed))
    set.seed(1)
    X <- matrix(stats::rnorm(5000 * 10), 5000)
    file.create(flag)
    started <- Sys.time()
    outcome <- tryCatch({
      embed_parametric(X, n_epochs = 100000, n_threads = 2, seed = 1)
      "finished"
    }, interrupt = function(e) "interrupted")
    list(outcome = outcome, started = started, caught = Sys.time())
  }
  flag <- tempfile("nembed-parametric-interrupt-")
  p <- callr::r_bg(child, args = list(flag), libpath = .libPaths(), supervise = TRUE)
  on.exit(if (p$is_alive()) p$kill(), add = TRUE)
  deadline <- Sys.time() + 60
  while (!file.exists(flag) && p$is_alive() && Sys.time() < deadline) Sys.sleep(0.05)
  Sys.sleep(3)  # kNN graph, then inside the training loop
  expect_true(p$is_alive())
  sent <- Sys.time()
  p$interrupt()
  p$wait(10000)
  expect_false(p$is_alive())
  res <- p$get_result()
  expect_identical(res$outcome, "interrupted")
  expect_lt(as.numeric(difftime(res$caught, sent, units = "secs")), 2)
})

test_that("a model stored in a SingleCellExperiment places new cells as the data-frame model does", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce(n_per = 40)
  train <- rep(c(TRUE, FALSE), length.out = ncol(sce))
  new <- sce[, !train]
  fit <- function(...) embed_parametric(sce[, train], ..., hidden = 16, n_epochs = 5,
                                        batch_size = 64, n_threads = 1, seed = 1)
  # The two input paths: 60 genes reduced by a PCA the model replays, and stored PCs.
  fits <- list(assay = fit(ntop = 60, n_pca = 10), dimred = fit(dimred = "PCA", n_dimred = 6))
  logcounts <- SummarizedExperiment::assay(new, "logcounts")
  for (path in names(fits)) {
    out <- fits[[path]]
    rec <- embedding_record(out)
    expect_identical(rec, attr(SingleCellExperiment::reducedDim(out, "PARAMETRIC"),
                               "nembed_record"), label = path)
    new_cells <- if (path == "assay") t(logcounts[rec$sce_input$genes, ]) else
      SingleCellExperiment::reducedDim(new, "PCA")[, 1:6]
    from_sce <- embed_transform(out, new, n_threads = 1)
    from_frame <- embed_transform(sce_embedding(out, "PARAMETRIC"), new_cells, n_threads = 1)
    expect_identical(as.matrix(from_sce), as.matrix(from_frame), label = path)
    expect_identical(rownames(from_sce), colnames(new), label = path)
    # The stored model's own forward pass in R (with the genes' PCA on the assay path).
    expect_equal(unname(as.matrix(from_sce)), unname(r_forward(rec$model, new_cells)),
                 tolerance = 1e-4, label = path)
  }
  expect_identical(dim(embedding_record(fits$assay)$model$input$rotation), c(60L, 10L))
  # Another stored name is chosen with `name`, or through sce_embedding().
  two <- embed_parametric(fits$dimred, dimred = "PCA", n_dimred = 3, hidden = 8, n_epochs = 3,
                          batch_size = 64, n_threads = 1, seed = 2, name = "P3")
  expect_identical(embedding_record(two, name = "P3")$sce_input$columns, 1:3)
  expect_identical(as.matrix(embed_transform(sce_embedding(two, "P3"), new, n_threads = 1)),
                   as.matrix(embed_transform(sce_embedding(two, "P3"),
                                             SingleCellExperiment::reducedDim(new, "PCA")[, 1:3],
                                             n_threads = 1)))
})

test_that("a SingleCellExperiment's model survives saveRDS() into a new R process", {
  skip_if_not_installed("SingleCellExperiment")
  skip_if_not_installed("callr")
  sce <- make_test_sce(n_per = 30)
  train <- rep(c(TRUE, FALSE), length.out = ncol(sce))
  out <- embed_parametric(sce[, train], ntop = 50, n_pca = 8, hidden = 16, n_epochs = 5,
                          batch_size = 64, n_threads = 1, seed = 4)
  expect_identical(transform_in_new_process(out, sce[, !train]),
                   as.matrix(embed_transform(out, sce[, !train], n_threads = 1)))
})

test_that("new cells without the model's input give classed errors naming the argument", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce(n_per = 20)
  fit <- function(...) embed_parametric(sce, ..., hidden = 8, n_epochs = 2, batch_size = 32,
                                        n_threads = 1, seed = 1)
  on_pcs <- fit(dimred = "PCA", n_dimred = 6)
  on_genes <- fit(ntop = 40, n_pca = 5)
  no_pca <- sce
  SingleCellExperiment::reducedDim(no_pca, "PCA") <- NULL
  err <- expect_error(embed_transform(on_pcs, no_pca), class = "nembed_error_value")
  expect_identical(err$arg, "X_new")
  few_pcs <- sce
  SingleCellExperiment::reducedDim(few_pcs, "PCA") <- SingleCellExperiment::reducedDim(sce, "PCA")[, 1:4]
  err <- expect_error(embed_transform(on_pcs, few_pcs), class = "nembed_error_size")
  expect_identical(err$arg, "X_new")
  genes <- embedding_record(on_genes)$sce_input$genes
  err <- expect_error(embed_transform(on_genes, sce[setdiff(rownames(sce), genes[1:2]), ]),
                      class = "nembed_error_size")
  expect_identical(err$arg, "X_new")
  expect_match(conditionMessage(err), genes[1], fixed = TRUE)
  # A model trained on a matrix does not know which columns of an object to use.
  plain <- embed_parametric(SingleCellExperiment::reducedDim(sce, "PCA"), hidden = 8,
                            n_epochs = 2, batch_size = 32, n_threads = 1, seed = 1)
  err <- expect_error(embed_transform(plain, sce), class = "nembed_error_type")
  expect_identical(err$arg, "X_new")
  # No stored parametric model, or an unknown name.
  err <- expect_error(embed_transform(sce, sce), class = "nembed_error_value")
  expect_identical(err$arg, "embedding")
  err <- expect_error(embedding_record(on_pcs, name = "NOPE"), class = "nembed_error_value")
  expect_identical(err$arg, "name")
})
