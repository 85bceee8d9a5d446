test_that("dimred path: the chosen columns go in, the result comes back under `name`", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")
  spy <- spy_embedder()
  out <- nembed:::sce_embed(sce, spy$fun, name = "SPY", dimred = "PCA", n_dimred = 3,
                            perplexity = 7)
  expect_equal(unname(spy$input), unname(pcs[, 1:3]))
  expect_identical(rownames(spy$input), colnames(sce))
  expect_identical(spy$dots, list(perplexity = 7))
  expect_true("SPY" %in% SingleCellExperiment::reducedDimNames(out))
  Y <- SingleCellExperiment::reducedDim(out, "SPY")
  expect_identical(dim(Y), c(ncol(sce), 2L))
  expect_identical(colnames(Y), c("SPY1", "SPY2"))
  expect_identical(rownames(Y), colnames(sce))
  expect_equal(unname(Y), unname(2 * pcs[, 1:2]), ignore_attr = "nembed_record")
  rec <- attr(Y, "nembed_record")
  expect_identical(rec$method, "spy")
  expect_identical(rec$sce_input$dimred, "PCA")
  expect_identical(rec$sce_input$columns, 1:3)

  # n_dimred as column numbers and as column names
  nembed:::sce_embed(sce, spy$fun, name = "SPY", dimred = "PCA", n_dimred = c(4, 2))
  expect_equal(unname(spy$input), unname(pcs[, c(4, 2)]))
  nembed:::sce_embed(sce, spy$fun, name = "SPY", dimred = "PCA", n_dimred = c("PC5", "PC1"))
  expect_equal(unname(spy$input), unname(pcs[, c(5, 1)]))
  nembed:::sce_embed(sce, spy$fun, name = "SPY", dimred = "PCA")
  expect_equal(unname(spy$input), unname(pcs))
})

test_that("assay path: top-variance genes, transposed, PCA, as scater prepares them", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  lc <- SummarizedExperiment::assay(sce, "logcounts")
  gene_var <- apply(lc, 1, stats::var)
  top <- order(gene_var, decreasing = TRUE)[1:40]
  ref <- stats::prcomp(t(lc[top, ]))$x[, 1:8]
  spy <- spy_embedder()
  out <- nembed:::sce_embed(sce, spy$fun, name = "SPY", ntop = 40, n_pca = 8)
  expect_identical(dim(spy$input), c(90L, 8L))
  expect_equal_up_to_sign(spy$input, ref, tolerance = 1e-6)
  expect_identical(rownames(SingleCellExperiment::reducedDim(out, "SPY")), colnames(sce))
  rec <- attr(SingleCellExperiment::reducedDim(out, "SPY"), "nembed_record")
  expect_identical(rec$sce_input[c("type", "assay.type", "n_genes", "n_pca")],
                   list(type = "assay", assay.type = "logcounts", n_genes = 40L, n_pca = 8L))
  expect_identical(rec$sce_input$genes, rownames(sce)[top])

  # no PCA: the cells x genes matrix of the selected genes itself
  nembed:::sce_embed(sce, spy$fun, name = "SPY", ntop = 40, n_pca = NULL)
  expect_equal(spy$input, t(lc[top, ]))
  # another assay, by either argument name; assay.type wins over exprs_values
  nembed:::sce_embed(sce, spy$fun, name = "SPY", ntop = NULL, n_pca = NULL, assay.type = "counts")
  expect_equal(unname(spy$input), unname(t(SummarizedExperiment::assay(sce, "counts"))))
  out2 <- embed_pca(sce, exprs_values = "counts", ntop = NULL, n_components = 2, name = "P1")
  out3 <- embed_pca(sce, assay.type = "counts", ntop = NULL, n_components = 2, name = "P1")
  out4 <- embed_pca(sce, assay.type = "counts", exprs_values = "nonexistent", ntop = NULL,
                    n_components = 2, name = "P1")
  ref_counts <- stats::prcomp(t(SummarizedExperiment::assay(sce, "counts")))$x[, 1:2]
  for (o in list(out2, out3, out4)) {
    expect_equal_up_to_sign(SingleCellExperiment::reducedDim(o, "P1"), ref_counts, 1e-6)
  }
  # subset_row by names
  genes <- rownames(sce)[c(5, 9, 12)]
  nembed:::sce_embed(sce, spy$fun, name = "SPY", subset_row = genes, n_pca = NULL)
  expect_equal(spy$input, t(lc[genes, ]))
})

test_that("sparse assays work and give the dense result", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  sparse <- sce
  SummarizedExperiment::assay(sparse, "logcounts") <-
    methods::as(SummarizedExperiment::assay(sce, "logcounts"), "CsparseMatrix")
  a <- embed_pca(sce, ntop = 50, n_components = 3)
  b <- embed_pca(sparse, ntop = 50, n_components = 3)
  expect_equal_up_to_sign(SingleCellExperiment::reducedDim(b, "PCA"),
                          SingleCellExperiment::reducedDim(a, "PCA"), 1e-8)
})

test_that("embed_pca on a SingleCellExperiment matches scater::runPCA", {
  skip_if_not_installed("SingleCellExperiment")
  skip_if_not_installed("scater")
  skip_if_not_installed("BiocSingular")
  sce <- make_test_sce()
  ours <- embed_pca(sce, n_components = 5, ntop = 60)
  theirs <- scater::runPCA(sce, ncomponents = 5, ntop = 60, name = "SCATER",
                           BSPARAM = BiocSingular::ExactParam())
  a <- SingleCellExperiment::reducedDim(ours, "PCA")
  b <- SingleCellExperiment::reducedDim(theirs, "SCATER")
  expect_identical(colnames(a), paste0("PCA", 1:5))
  expect_equal_up_to_sign(a, b, 1e-6)
  expect_equal(attr(a, "nembed_record")$percent_var, attr(b, "percentVar"), tolerance = 1e-6)
})

test_that("embed_pca on a matrix matches prcomp, and rejects SCE arguments", {
  X <- as.matrix(iris[, 1:4])
  emb <- embed_pca(X, n_components = 3)
  ref <- stats::prcomp(X)
  expect_s3_class(emb, "nembed_embedding")
  expect_identical(names(emb), c("x", "y", "z"))
  expect_equal_up_to_sign(as.matrix(emb), ref$x[, 1:3], 1e-8)
  expect_equal(embedding_record(emb)$percent_var, 100 * ref$sdev[1:3]^2 / sum(ref$sdev^2))
  embs <- embed_pca(X, n_components = 2, scale = TRUE)
  refs <- stats::prcomp(X, scale. = TRUE)
  expect_equal_up_to_sign(as.matrix(embs), refs$x[, 1:2], 1e-8)
  expect_equal(embedding_record(embs)$percent_var, 100 * refs$sdev[1:2]^2 / sum(refs$sdev^2))
  expect_error(embed_pca(X, dimred = "PCA"), class = "nembed_error")
  expect_error(embed_pca(X, n_components = 5), class = "nembed_error_size")
})

test_that("the input SingleCellExperiment is not modified except for the new reducedDim", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  before <- sce
  out <- embed_pca(sce, dimred = "PCA", n_dimred = 4, n_components = 2, name = "NEW")
  expect_identical(sce, before)  # the caller's object
  expect_identical(SingleCellExperiment::reducedDimNames(out), c("PCA", "NEW"))
  expect_identical(SummarizedExperiment::assays(out), SummarizedExperiment::assays(sce))
  expect_identical(SummarizedExperiment::colData(out), SummarizedExperiment::colData(sce))
  expect_identical(SummarizedExperiment::rowData(out), SummarizedExperiment::rowData(sce))
  expect_identical(SingleCellExperiment::reducedDim(out, "PCA"),
                   SingleCellExperiment::reducedDim(sce, "PCA"))
  expect_identical(dimnames(out), dimnames(sce))
  # taking the new slot away gives back the original
  SingleCellExperiment::reducedDim(out, "NEW") <- NULL
  expect_identical(out, sce)
  # an existing name is overwritten, not duplicated
  out2 <- embed_pca(sce, n_components = 2, ntop = 50, name = "PCA")
  expect_identical(SingleCellExperiment::reducedDimNames(out2), "PCA")
  expect_identical(ncol(SingleCellExperiment::reducedDim(out2, "PCA")), 2L)
})

test_that("subclasses of SingleCellExperiment reach the method", {
  skip_if_not_installed("SingleCellExperiment")
  env <- new.env()
  methods::setClass("NembedTestSCE", contains = "SingleCellExperiment", where = env)
  on.exit(methods::removeClass("NembedTestSCE", where = env), add = TRUE)
  sce <- make_test_sce()
  sub <- methods::new("NembedTestSCE", sce)
  out <- embed_pca(sub, dimred = "PCA", n_dimred = 3, n_components = 2)
  expect_s4_class(out, "NembedTestSCE")
  expect_identical(dim(SingleCellExperiment::reducedDim(out, "PCA")), c(90L, 2L))
})

test_that("bad SingleCellExperiment input gives classed errors", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  expect_error(embed_pca(sce, dimred = "UMAP"), class = "nembed_error_value")
  expect_error(embed_pca(sce, dimred = "UMAP"), "not a reduced dimension.*\"PCA\"")
  expect_error(embed_pca(sce, dimred = "PCA", n_dimred = 11), class = "nembed_error_size")
  expect_error(embed_pca(sce, dimred = "PCA", n_dimred = c(2, 12)), class = "nembed_error_size")
  expect_error(embed_pca(sce, dimred = "PCA", n_dimred = c("PC1", "PC99")),
               class = "nembed_error_value")
  expect_error(embed_pca(sce, dimred = "PCA", n_dimred = 0), class = "nembed_error_value")
  expect_error(embed_pca(sce, assay.type = "normcounts"), class = "nembed_error_value")
  expect_error(embed_pca(sce, assay.type = "normcounts"), "not an assay")
  expect_error(embed_pca(sce, exprs_values = "normcounts"), class = "nembed_error_value")
  expect_error(embed_pca(sce, name = ""), class = "nembed_error_type")
  expect_error(embed_pca(sce, name = c("A", "B")), class = "nembed_error_type")
  expect_error(embed_pca(sce, ntop = 0), class = "nembed_error_value")
  expect_error(embed_pca(sce, subset_row = "nogene"), class = "nembed_error_value")
  bad <- sce
  lc <- SummarizedExperiment::assay(bad, "logcounts")
  lc[3, 5] <- NA
  SummarizedExperiment::assay(bad, "logcounts") <- lc
  expect_error(embed_pca(bad, ntop = NULL), class = "nembed_error_value")
  expect_error(sce_embedding(sce, "TSNE"), class = "nembed_error_value")
  expect_error(sce_embedding(matrix(1, 2, 2), "PCA"), class = "nembed_error_type")
})

test_that("sce_embedding gives a data frame with the cells' colData", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- embed_pca(make_test_sce(), dimred = "PCA", n_dimred = 4, n_components = 2,
                   name = "PCA2")
  emb <- sce_embedding(sce, "PCA2")
  expect_s3_class(emb, "nembed_embedding")
  expect_identical(names(emb), c("x", "y", "group", "depth"))
  expect_identical(rownames(emb), colnames(sce))
  expect_equal(unname(as.matrix(emb)), unname(SingleCellExperiment::reducedDim(sce, "PCA2")[, 1:2]),
               ignore_attr = TRUE)
  expect_identical(emb$group, sce$group)
  expect_identical(embedding_record(emb)$method, "pca")
  # a reduced dimension nembed did not make still converts
  emb2 <- sce_embedding(sce, "PCA", col_data = FALSE)
  expect_identical(ncol(emb2), 10L)
})

test_that("knn_graph on a SingleCellExperiment uses the cells' coordinates", {
  skip_if_not_installed("SingleCellExperiment")
  skip_if_not(utils::isS3stdGeneric(knn_graph), "knn_graph() is not yet an S3 generic")
  sce <- make_test_sce()
  g <- knn_graph(sce, dimred = "PCA", n_dimred = 5, k = 6, n_threads = 1)
  ref <- knn_graph(SingleCellExperiment::reducedDim(sce, "PCA")[, 1:5], k = 6, n_threads = 1)
  expect_identical(g$idx, ref$idx)
  expect_identical(g$row_names, colnames(sce))
  g2 <- knn_graph(sce, ntop = 40, n_pca = 8, k = 6, n_threads = 1)
  lc <- SummarizedExperiment::assay(sce, "logcounts")
  top <- order(apply(lc, 1, stats::var), decreasing = TRUE)[1:40]
  ref2 <- knn_graph(stats::prcomp(t(lc[top, ]))$x[, 1:8], k = 6, n_threads = 1)
  expect_identical(g2$idx, ref2$idx)
})

test_that("embed_tsne on a SingleCellExperiment stores TSNE", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  out <- embed_tsne(sce, dimred = "PCA", perplexity = 10, n_iter = 300, n_threads = 1, seed = 3)
  ref <- embed_tsne(SingleCellExperiment::reducedDim(sce, "PCA"), perplexity = 10, n_iter = 300,
                    n_threads = 1, seed = 3)
  Y <- SingleCellExperiment::reducedDim(out, "TSNE")
  expect_identical(colnames(Y), c("TSNE1", "TSNE2"))
  expect_identical(rownames(Y), colnames(sce))
  expect_equal(unname(Y), unname(as.matrix(ref)), ignore_attr = TRUE)
  expect_gt(knn_accuracy(Y, sce$group, k = 5, n_threads = 1), 0.95)
  rec <- attr(Y, "nembed_record")
  expect_null(rec$affinities)
  expect_identical(rec$dropped, "affinities")
  expect_identical(rec$perplexity, embedding_record(ref)$perplexity)
})

test_that("load_hsmm log-normalises as scuttle::logNormCounts and stores the PCA", {
  skip_if_not_installed("SingleCellExperiment")
  skip_if_not_installed("HSMMSingleCell")
  skip_if_not_installed("scuttle")
  sce <- load_hsmm(min_cells = 50, n_pca = 10)
  expect_identical(ncol(sce), 271L)
  fpkm <- SummarizedExperiment::assay(sce, "fpkm")
  expect_true(all(rowSums(fpkm > 0) >= 50))
  ref <- scuttle::logNormCounts(SingleCellExperiment::SingleCellExperiment(list(counts = fpkm)))
  expect_equal(SummarizedExperiment::assay(sce, "logcounts"),
               as.matrix(SummarizedExperiment::assay(ref, "logcounts")))
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")
  expect_identical(dim(pcs), c(271L, 10L))
  expect_identical(rownames(pcs), colnames(sce))
  expect_true(all(c("Hours", "Media", "Pseudotime", "size_factor") %in%
                    names(SummarizedExperiment::colData(sce))))
})

test_that("the record stored in the SingleCellExperiment leaves the graph objects out", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  g <- knn_graph(SingleCellExperiment::reducedDim(sce, "PCA"), k = 5, n_threads = 1)
  heavy_embedder <- function(X, ...) {
    nembed:::new_embedding(X[, 1:2], list(method = "heavy", params = list(k = 5), knn = g,
                                          P = Matrix::Diagonal(nrow(X)) * 1,
                                          timings = list()))
  }
  out <- nembed:::sce_embed(sce, heavy_embedder, name = "H", dimred = "PCA")
  rec <- attr(SingleCellExperiment::reducedDim(out, "H"), "nembed_record")
  expect_setequal(rec$dropped, c("knn", "P"))
  expect_null(rec$knn)
  expect_null(rec$P)
  expect_identical(rec$params, list(k = 5))
})

test_that("a t-SNE or UMAP stored in a SingleCellExperiment can place new cells", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce(n_per = 40)
  train <- rep(c(TRUE, FALSE), length.out = ncol(sce))
  fits <- list(
    TSNE = embed_tsne(sce[, train], ntop = 60, n_pca = 10, perplexity = 10, n_iter = 300,
                      n_threads = 1, seed = 2),
    UMAP = embed_umap(sce[, train], ntop = 60, n_pca = 10, k = 9, n_epochs = 100,
                      init = "pca", n_threads = 1, seed = 2))
  for (nm in names(fits)) {
    emb <- sce_embedding(fits[[nm]], nm)
    genes <- embedding_record(emb)$sce_input$genes
    expect_length(genes, 60L)
    new_cells <- t(SummarizedExperiment::assay(sce[, !train], "logcounts")[genes, ])
    placed <- embed_transform(emb, new_cells, n_threads = 1)
    # Straight from the objects: the stored embedding named by `name`, the new cells read from
    # their SingleCellExperiment as the embedding's input was (the same 60 genes).
    expect_identical(as.matrix(embed_transform(fits[[nm]], sce[, !train], name = nm,
                                               n_threads = 1)),
                     as.matrix(placed), label = nm)
    # each new cell lands among training cells of its own group (brute-force distances)
    ref <- as.matrix(emb)
    new_xy <- as.matrix(placed)
    d2 <- outer(rowSums(new_xy^2), rowSums(ref^2), "+") - 2 * new_xy %*% t(ref)
    nearest <- t(apply(d2, 1, function(r) order(r)[1:5]))
    own <- mean(sce$group[train][nearest] == rep(sce$group[!train], 5))
    expect_gt(own, 0.9, label = nm)
  }
})

test_that("embed_transform() refuses `name` without a single-cell object, and a missing one", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce(n_per = 20)
  fit <- embed_tsne(sce, ntop = 40, n_pca = 5, perplexity = 5, n_iter = 50, n_threads = 1,
                    seed = 1)
  emb <- sce_embedding(fit, "TSNE")
  new_cells <- t(SummarizedExperiment::assay(sce, "logcounts")[embedding_record(emb)$sce_input$genes, 1:3])
  expect_nembed_error(embed_transform(emb, new_cells, name = "TSNE"), "name")
  expect_nembed_error(embed_transform(fit, new_cells, name = "NOPE"), "name")
  # the default name is the parametric model's, which this object does not hold
  expect_nembed_error(embed_transform(fit, new_cells), "embedding")
})

test_that("umap, contrastive, fa2 and laplacian methods store their embedding of the cells", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")
  runs <- list(
    UMAP = list(fun = embed_umap, args = list(k = 9, n_epochs = 60, init = "pca",
                                              seed = 1)),
    CONTRASTIVE = list(fun = embed_contrastive, args = list(k = 10, n_epochs = 60, seed = 1)),
    FA2 = list(fun = embed_fa2, args = list(k = 10, n_iter = 150, seed = 1)),
    # k = 40 > 30 cells per group: one connected graph, as eigenmaps need
    LAPLACIAN = list(fun = embed_laplacian, args = list(k = 40)))
  for (nm in names(runs)) {
    r <- runs[[nm]]
    # dimred path: the same embedding as on the matrix of the chosen columns
    out <- do.call(r$fun, c(list(sce, dimred = "PCA", n_dimred = 5, n_threads = 1), r$args))
    ref <- do.call(r$fun, c(list(pcs[, 1:5], n_threads = 1), r$args))
    expect_identical(SingleCellExperiment::reducedDimNames(out), c("PCA", nm), label = nm)
    Y <- SingleCellExperiment::reducedDim(out, nm)
    expect_identical(dim(Y), c(90L, 2L), label = nm)
    # scater's names, with an underscore after a final digit
    expect_identical(colnames(Y), if (nm == "FA2") c("FA2_1", "FA2_2") else paste0(nm, 1:2),
                     label = nm)
    expect_identical(rownames(Y), colnames(sce), label = nm)
    expect_equal(unname(Y), unname(as.matrix(ref)), ignore_attr = TRUE, label = nm)
    rec <- attr(Y, "nembed_record")
    expect_identical(rec$method, embedding_record(ref)$method, label = nm)
    expect_identical(rec$sce_input[c("type", "dimred", "columns")],
                     list(type = "dimred", dimred = "PCA", columns = 1:5), label = nm)
    # assay path, under another name: PCA of the top genes, and the groups come out apart
    out2 <- do.call(r$fun, c(list(sce, ntop = 60, n_pca = 8, name = "ALT", n_threads = 1),
                             r$args))
    expect_identical(SingleCellExperiment::reducedDimNames(out2), c("PCA", "ALT"), label = nm)
    Y2 <- SingleCellExperiment::reducedDim(out2, "ALT")
    expect_identical(dimnames(Y2), list(colnames(sce), c("ALT1", "ALT2")), label = nm)
    expect_identical(attr(Y2, "nembed_record")$sce_input$n_pca, 8L, label = nm)
    expect_gt(knn_accuracy(Y2, sce$group, k = 5, n_threads = 1), 0.9, label = nm)
  }
  # the default methods refuse SingleCellExperiment arguments on a matrix
  expect_error(embed_umap(pcs, dimred = "PCA"), "nembed_sce", class = "nembed_error_type")
  expect_error(embed_fa2(pcs, name = "FA2"), class = "nembed_error_type")
  expect_error(embed_laplacian(pcs, n_pca = 3), class = "nembed_error_type")
  expect_error(embed_contrastive(pcs, ntop = 3), class = "nembed_error_type")
})

test_that("embed_spectrum on a SingleCellExperiment stores each panel as a reducedDim", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")[, 1:5]
  out <- embed_spectrum(sce, dimred = "PCA", n_dimred = 5, s = c(0, 1), n_epochs = 30, k = 10,
                        extra = "fa2", n_threads = 1, seed = 1)
  ref <- embed_spectrum(pcs, s = c(0, 1), n_epochs = 30, k = 10, extra = "fa2", n_threads = 1,
                        seed = 1)
  expect_identical(SingleCellExperiment::reducedDimNames(out), c("PCA", "NEG_s_0", "NEG_s_1", "FA2"))
  for (i in 1:3) {
    nm <- c("NEG_s_0", "NEG_s_1", "FA2")[i]
    panel <- ref[ref$panel == levels(ref$panel)[i], ]
    Y <- SingleCellExperiment::reducedDim(out, nm)
    expect_identical(dimnames(Y), list(colnames(sce), paste0(nm, c("_1", "_2"))))
    expect_equal(unname(Y), unname(as.matrix(panel[order(panel$id), c("x", "y")])),
                 ignore_attr = TRUE, label = nm)
    expect_identical(attr(Y, "nembed_record")$method, attr(ref, "records")[[i]]$method)
  }
  expect_identical(attr(SingleCellExperiment::reducedDim(out, "NEG_s_1"), "nembed_record")$params$s, 1)
  # the exaggeration spectrum, with a prefix
  out2 <- embed_spectrum(sce, dimred = "PCA", exaggeration = c(1, 4), perplexity = 10,
                         n_iter = 100, name = "SP", n_threads = 1, seed = 1)
  expect_identical(SingleCellExperiment::reducedDimNames(out2),
                   c("PCA", "SP_TSNE_exaggeration_1", "SP_TSNE_exaggeration_4"))
  Y4 <- SingleCellExperiment::reducedDim(out2, "SP_TSNE_exaggeration_4")
  expect_identical(colnames(Y4), c("SP_TSNE_exaggeration_4_1", "SP_TSNE_exaggeration_4_2"))
  expect_identical(attr(Y4, "nembed_record")$params$exaggeration, 4)
  expect_error(embed_spectrum(sce, dimred = "PCA", name = ""), class = "nembed_error_type")
})

test_that("embed_wasserstein on a SingleCellExperiment embeds the units named in colData", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  sce$donor <- paste0("d", rep(1:9, 10))
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")[, 1:4]
  emb <- embed_wasserstein(sce, "donor", dimred = "PCA", n_dimred = 4, perplexity = 2,
                           n_iter = 200, n_threads = 1, seed = 1)
  ref <- embed_wasserstein(pcs, sce$donor, perplexity = 2, n_iter = 200, n_threads = 1, seed = 1)
  expect_s3_class(emb, "nembed_wasserstein")
  expect_identical(as.character(emb$group), paste0("d", 1:9))
  expect_identical(emb$size, rep(10L, 9))
  expect_equal(as.matrix(emb), as.matrix(ref))
  rec <- embedding_record(emb)
  expect_identical(rec$sce_input$groups, "donor")
  expect_identical(rec$sce_input$dimred, "PCA")
  # groups as a vector of one value per cell
  emb2 <- embed_wasserstein(sce, sce$donor, dimred = "PCA", n_dimred = 4, perplexity = 2,
                            n_iter = 200, n_threads = 1, seed = 1)
  expect_equal(as.matrix(emb2), as.matrix(ref))
  expect_error(embed_wasserstein(sce, "nocolumn", dimred = "PCA"), class = "nembed_error_value")
  expect_error(suppressMessages(embed_wasserstein(pcs, sce$donor, dimred = "PCA")),
               class = "nembed_error_type")
})

test_that("spectral_distances on a SingleCellExperiment equals it on the cells' matrix", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  d <- spectral_distances(sce, dimred = "PCA", n_dimred = 5, k = 40, n_threads = 1)
  ref <- spectral_distances(SingleCellExperiment::reducedDim(sce, "PCA")[, 1:5], k = 40,
                            n_threads = 1)
  expect_s3_class(d, "dist")
  expect_identical(attr(d, "Labels"), colnames(sce))
  expect_equal(as.numeric(d), as.numeric(ref))
  lc <- SummarizedExperiment::assay(sce, "logcounts")
  top <- order(apply(lc, 1, stats::var), decreasing = TRUE)[1:40]
  d2 <- spectral_distances(sce, ntop = 40, n_pca = 6, method = "diffusion", k = 40, n_threads = 1)
  ref2 <- spectral_distances(stats::prcomp(t(lc[top, ]))$x[, 1:6], method = "diffusion", k = 40,
                             n_threads = 1)
  expect_equal(as.numeric(d2), as.numeric(ref2), tolerance = 1e-6)
})

test_that("stored embeddings' columns are named as scater names them", {
  expect_identical(nembed:::sce_dim_names("TSNE", 2), c("TSNE1", "TSNE2"))
  expect_identical(nembed:::sce_dim_names("TSNE_exaggeration_4", 2),
                   c("TSNE_exaggeration_4_1", "TSNE_exaggeration_4_2"))
})

test_that("continue_tsne from a t-SNE stored in a SingleCellExperiment rebuilds its affinities", {
  skip_if_not_installed("SingleCellExperiment")
  sce <- make_test_sce()
  pcs <- SingleCellExperiment::reducedDim(sce, "PCA")[, 1:5]
  out <- embed_tsne(sce, dimred = "PCA", n_dimred = 5, perplexity = 10, n_iter = 300,
                    n_threads = 1, seed = 3)
  ref <- embed_tsne(pcs, perplexity = 10, n_iter = 300, n_threads = 1, seed = 3)
  emb <- sce_embedding(out, "TSNE")
  expect_null(embedding_record(emb)$affinities)
  a <- continue_tsne(emb, n_iter = 60, exaggeration = 3, n_threads = 1)
  b <- continue_tsne(ref, n_iter = 60, exaggeration = 3, n_threads = 1)
  expect_equal(as.matrix(a), as.matrix(b), ignore_attr = TRUE)
  expect_equal(unname(as.matrix(embedding_record(a)$affinities$P)),
               unname(as.matrix(embedding_record(ref)$affinities$P)))
  # a record with neither the affinities nor the data to rebuild them
  bare <- emb
  rec <- attr(bare, "nembed_record")
  rec$reference <- NULL
  attr(bare, "nembed_record") <- rec
  expect_error(continue_tsne(bare, n_iter = 5, n_threads = 1), "rebuild",
               class = "nembed_error_value")
})
