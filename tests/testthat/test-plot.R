test_that("autoplot of an embedding is a ggplot with one point per row and the right colours", {
  skip_if_not_installed("ggplot2")
  X <- as.matrix(iris[, 1:4])
  emb <- embed_pca(X)
  p <- ggplot2::autoplot(emb)
  expect_s3_class(p, "ggplot")
  d <- ggplot2::layer_data(p)
  expect_identical(nrow(d), 150L)
  expect_equal(d$x, emb$x)
  expect_equal(d$y, emb$y)

  p2 <- ggplot2::autoplot(emb, color = iris$Species)
  d2 <- ggplot2::layer_data(p2)
  expect_identical(length(unique(d2$colour)), 3L)
  # points of one species share one colour, different species differ
  expect_identical(nrow(unique(data.frame(d2$colour, iris$Species))), 3L)
  expect_identical(p2$labels$colour, "iris$Species")

  # by column name; numbers give a continuous scale (many colours)
  emb$petal <- iris$Petal.Length
  p3 <- ggplot2::autoplot(emb, color = "petal")
  expect_identical(p3$labels$colour, "petal")
  expect_gt(length(unique(ggplot2::layer_data(p3)$colour)), 10)
  expect_s3_class(ggplot2::ggplot_build(p3), "ggplot_built")
})

test_that("autoplot of a 1-D and a 3-D embedding uses the first two coordinates", {
  skip_if_not_installed("ggplot2")
  X <- as.matrix(iris[, 1:4])
  d1 <- ggplot2::layer_data(ggplot2::autoplot(embed_pca(X, n_components = 1)))
  expect_true(all(d1$y == 0))
  e3 <- embed_pca(X, n_components = 3)
  d3 <- ggplot2::layer_data(ggplot2::autoplot(e3))
  expect_equal(d3$y, e3$y)
})

test_that("autoplot rejects colours of the wrong length or unknown columns", {
  skip_if_not_installed("ggplot2")
  emb <- embed_pca(as.matrix(iris[, 1:4]))
  expect_error(ggplot2::autoplot(emb, color = 1:3), class = "nembed_error_size")
  expect_error(ggplot2::autoplot(emb, color = "Species"), class = "nembed_error_value")
})

test_that("autoplot of a spectrum facets by the parameter and recycles colours by id", {
  skip_if_not_installed("ggplot2")
  runs <- lapply(c(1, 4, 16), function(rho) {
    data.frame(x = iris$Sepal.Length / rho, y = iris$Sepal.Width / rho, id = 1:150,
               exaggeration = rho)
  })
  sp <- structure(do.call(rbind, runs), class = c("nembed_spectrum", "data.frame"))
  p <- ggplot2::autoplot(sp, color = iris$Species)
  expect_s3_class(p, "ggplot")
  b <- ggplot2::ggplot_build(p)
  expect_identical(nrow(b$layout$layout), 3L)
  expect_equal(sort(unique(b$layout$layout$exaggeration)), c(1, 4, 16))
  d <- b$data[[1]]
  expect_identical(nrow(d), 450L)
  # each point keeps its species' colour in every panel
  expect_identical(nrow(unique(data.frame(col = d$colour, sp = rep(iris$Species, 3)))), 3L)

  # the contrastive spectrum's column `s`, and an explicit "parameter" attribute
  sp_s <- sp
  names(sp_s)[4] <- "s"
  expect_identical(nrow(ggplot2::ggplot_build(ggplot2::autoplot(sp_s))$layout$layout), 3L)
  sp_m <- sp
  names(sp_m)[4] <- "loss"
  attr(sp_m, "parameter") <- "loss"
  expect_identical(nrow(ggplot2::ggplot_build(ggplot2::autoplot(sp_m))$layout$layout), 3L)
  bad <- structure(data.frame(x = 1, y = 2), class = c("nembed_spectrum", "data.frame"))
  expect_error(ggplot2::autoplot(bad), class = "nembed_error_type")
})

test_that("base plot methods work without ggplot2", {
  runs <- lapply(c(1, 2), function(rho) {
    data.frame(x = iris$Sepal.Length * rho, y = iris$Sepal.Width, id = 1:150, s = rho)
  })
  sp <- structure(do.call(rbind, runs), class = c("nembed_spectrum", "data.frame"))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_identical(plot(sp, color = iris$Species), sp)
  expect_identical(par("mfrow"), c(1L, 1L))  # restored
})

test_that("autoplot of a SingleCellExperiment embedding colours by colData", {
  skip_if_not_installed("ggplot2")
  skip_if_not_installed("SingleCellExperiment")
  sce <- embed_pca(make_test_sce(), dimred = "PCA", n_dimred = 5, n_components = 2)
  p <- ggplot2::autoplot(sce_embedding(sce, "PCA"), color = "group")
  expect_s3_class(p, "ggplot")
  d <- ggplot2::layer_data(p)
  expect_identical(nrow(d), 90L)
  expect_identical(length(unique(d$colour)), 3L)
})
