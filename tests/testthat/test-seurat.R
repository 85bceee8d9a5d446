# Seurat objects in and out (?nembed_seurat). The reference for every method is the same function
# on the matrix Seurat's own RunTSNE()/RunUMAP() would take, Embeddings(obj[["pca"]])[, dims].

test_that("each embed_* on pbmc_small stores what the matrix method gives on Embeddings(pca)[, dims]", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")
  runs <- list(
    umap = list(fun = embed_umap, key = "UMAP_", args = list(k = 9, seed = 1)),
    tsne = list(fun = embed_tsne, key = "tSNE_", args = list(perplexity = 10, seed = 1)),
    contrastive = list(fun = embed_contrastive, key = "CONTRASTIVE_",
                       args = list(k = 10, n_epochs = 100, seed = 1)),
    fa2 = list(fun = embed_fa2, key = "FA2_", args = list(k = 10, n_iter = 150, seed = 1)),
    laplacian = list(fun = embed_laplacian, key = "LAPLACIAN_", args = list(k = 30)))
  for (nm in names(runs)) {
    r <- runs[[nm]]
    out <- do.call(r$fun, c(list(obj, reduction = "pca", dims = 1:10, n_threads = 1), r$args))
    ref <- do.call(r$fun, c(list(pcs[, 1:10], n_threads = 1), r$args))
    expect_s4_class(out, "Seurat")
    expect_setequal(SeuratObject::Reductions(out), unique(c("pca", "tsne", nm)))
    dr <- out[[nm]]
    expect_s4_class(dr, "DimReduc")
    expect_identical(SeuratObject::Key(dr), r$key, label = nm)
    expect_identical(SeuratObject::DefaultAssay(dr), "RNA", label = nm)
    E <- SeuratObject::Embeddings(dr)
    expect_identical(dimnames(E), list(colnames(obj), paste0(r$key, 1:2)), label = nm)
    expect_equal(unname(E), unname(as.matrix(ref)), label = nm)
    rec <- embedding_record(dr)
    expect_identical(rec$method, embedding_record(ref)$method, label = nm)
    expect_identical(rec$seurat_input, list(type = "reduction", reduction = "pca", dims = 1:10),
                     label = nm)
  }
  # embed_pca of a reduction's columns, under another name and key
  out <- embed_pca(obj, reduction = "pca", dims = 3:8, n_components = 3,
                   reduction.name = "pca_b", reduction.key = "PCB_")
  ref <- stats::prcomp(pcs[, 3:8])$x[, 1:3]
  expect_identical(colnames(SeuratObject::Embeddings(out, "pca_b")), paste0("PCB_", 1:3))
  expect_equal_up_to_sign(SeuratObject::Embeddings(out, "pca_b"), ref, 1e-8)
})

test_that("Seurat's default dims: 1:5 for t-SNE as RunTSNE, the first 30 (here all 19) otherwise", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")
  if (requireNamespace("Seurat", quietly = TRUE)) {
    expect_identical(eval(formals(utils::getS3method("RunTSNE", "Seurat", envir = asNamespace("Seurat")))$dims), 1:5)
  }
  out <- embed_tsne(obj, perplexity = 10, n_iter = 300, n_threads = 1, seed = 2)
  ref <- embed_tsne(pcs[, 1:5], perplexity = 10, n_iter = 300, n_threads = 1, seed = 2)
  expect_equal(unname(SeuratObject::Embeddings(out, "tsne")), unname(as.matrix(ref)))
  expect_identical(embedding_record(out[["tsne"]])$seurat_input$dims, 1:5)
  g <- knn_graph(obj, k = 7, n_threads = 1)
  # (the distances: pbmc_small has cells at equal distances, whose order is arbitrary)
  expect_equal(g$dist, ref_knn(pcs, 7)$dist, tolerance = 1e-10)
  expect_identical(g$row_names, colnames(obj))
})

test_that("without a reduction the default assay's scaled data are embedded", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  scaled <- SeuratObject::GetAssayData(obj, slot = "scale.data")  # 20 features x 80 cells
  out <- embed_umap(obj, reduction = NULL, k = 9, n_threads = 1, seed = 3)
  ref <- embed_umap(t(scaled), k = 9, n_threads = 1, seed = 3)
  expect_equal(unname(SeuratObject::Embeddings(out, "umap")), unname(as.matrix(ref)))
  src <- embedding_record(out[["umap"]])$seurat_input
  expect_identical(src[c("type", "assay", "features")],
                   list(type = "assay", assay = "RNA", features = rownames(scaled)))
  # a subset of features, reduced by PCA: the same neighbours as prcomp's scores give
  feats <- rownames(scaled)[c(2, 5, 7, 11, 13, 17, 19, 20)]
  g <- knn_graph(obj, reduction = NULL, features = feats, n_pca = 4, k = 6, n_threads = 1)
  expect_equal(g$dist, ref_knn(stats::prcomp(t(scaled[feats, ]))$x[, 1:4], 6)$dist,
               tolerance = 1e-8)
  # embed_pca without a reduction is a PCA of the scaled data, stored as "pca" (as RunPCA)
  pc <- embed_pca(obj, n_components = 5)
  expect_identical(SeuratObject::Key(pc[["pca"]]), "PC_")
  expect_equal_up_to_sign(SeuratObject::Embeddings(pc, "pca"),
                          stats::prcomp(t(scaled))$x[, 1:5], 1e-8)
})

test_that("the input object is unchanged and only the new reduction is added", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  before <- obj
  out <- embed_umap(obj, dims = 1:10, k = 9, n_epochs = 50, n_threads = 1, seed = 1)
  expect_identical(obj, before)
  expect_identical(SeuratObject::Reductions(out), c("pca", "tsne", "umap"))
  out[["umap"]] <- NULL
  expect_identical(out, obj)
  # an existing reduction of the same name is replaced, as Seurat's RunTSNE() does
  out2 <- embed_tsne(obj, dims = 1:10, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
  expect_identical(obj, before)
  expect_identical(SeuratObject::Reductions(out2), c("pca", "tsne"))
  expect_identical(embedding_record(out2[["tsne"]])$method, "tsne")
  expect_identical(out2[["pca"]], obj[["pca"]])
  expect_identical(out2@meta.data, obj@meta.data)
  expect_identical(out2[["RNA"]], obj[["RNA"]])
  expect_null(embedding_record(out2[["tsne"]])$affinities)
  expect_identical(embedding_record(out2[["tsne"]])$dropped, "affinities")
})

test_that("a Seurat object with nembed's reductions survives saveRDS(), and the record still works", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")[, 1:10]
  train <- rep(c(TRUE, TRUE, FALSE), length.out = ncol(obj))
  out <- embed_umap(obj[, colnames(obj)[train]], dims = 1:10, k = 9, n_threads = 1, seed = 4)
  out <- embed_tsne(out, dims = 1:10, perplexity = 10, n_iter = 300, n_threads = 1, seed = 4)
  file <- tempfile(fileext = ".rds")
  on.exit(unlink(file), add = TRUE)
  saveRDS(out, file)
  back <- readRDS(file)
  expect_identical(back, out)
  for (nm in c("umap", "tsne")) {
    expect_identical(SeuratObject::Embeddings(back, nm), SeuratObject::Embeddings(out, nm))
    expect_identical(embedding_record(back[[nm]]), embedding_record(out[[nm]]))
  }
  # placing the held-out cells from the restored object = placing them from the matrix run
  ref_umap <- embed_umap(pcs[train, ], k = 9, n_threads = 1, seed = 4)
  emb <- seurat_embedding(back, "umap")
  expect_identical(rownames(emb), colnames(obj)[train])
  expect_identical(emb$groups, unname(obj$groups[train]))
  expect_equal(as.matrix(embed_transform(emb, pcs[!train, ], n_threads = 1, seed = 5)),
               as.matrix(embed_transform(ref_umap, pcs[!train, ], n_threads = 1, seed = 5)))
  # continuing the t-SNE rebuilds its affinities from the record: same result as from the run
  ref_tsne <- embed_tsne(pcs[train, ], perplexity = 10, n_iter = 300, n_threads = 1, seed = 4)
  expect_equal(as.matrix(continue_tsne(seurat_embedding(back, "tsne"), n_iter = 50,
                                       exaggeration = 2, n_threads = 1)),
               as.matrix(continue_tsne(ref_tsne, n_iter = 50, exaggeration = 2, n_threads = 1)),
               ignore_attr = TRUE)
})

test_that("DimPlot() draws each reduction nembed stores, also after saveRDS()", {
  skip_if_not_installed("Seurat")
  skip_if_not_installed("ggplot2")
  obj <- pbmc_small_object()
  out <- embed_umap(obj, dims = 1:10, k = 9, n_threads = 1, seed = 1)
  out <- embed_tsne(out, dims = 1:10, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
  out <- embed_fa2(out, dims = 1:10, k = 10, n_iter = 100, n_threads = 1, seed = 1)
  out <- embed_spectrum(out, dims = 1:10, s = 0.5, n_epochs = 30, k = 10, n_threads = 1, seed = 1)
  file <- tempfile(fileext = ".rds")
  on.exit(unlink(file), add = TRUE)
  saveRDS(out, file)
  back <- readRDS(file)
  for (nm in c("umap", "tsne", "fa2", "neg_s_0.5")) {
    E <- SeuratObject::Embeddings(out, nm)
    for (o in list(out, back)) {
      built <- ggplot2::ggplot_build(Seurat::DimPlot(o, reduction = nm, group.by = "groups"))
      drawn <- built$data[[1]]
      # what is drawn is the embedding, cell for cell, with the key's axis names
      expect_identical(nrow(drawn), ncol(obj), label = nm)
      expect_equal(sort(drawn$x), unname(sort(E[, 1])), label = nm)
      expect_equal(sort(drawn$y), unname(sort(E[, 2])), label = nm)
      expect_identical(built$plot$labels$x, colnames(E)[1], label = nm)
    }
  }
})

test_that("embed_spectrum stores each panel, embed_wasserstein reads a meta.data column", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")[, 1:10]
  out <- embed_spectrum(obj, dims = 1:10, s = c(0, 1), n_epochs = 30, k = 10, extra = "fa2",
                        n_threads = 1, seed = 1)
  ref <- embed_spectrum(pcs, s = c(0, 1), n_epochs = 30, k = 10, extra = "fa2", n_threads = 1,
                        seed = 1)
  panels <- c("neg_s_0", "neg_s_1", "fa2")
  expect_identical(SeuratObject::Reductions(out), c("pca", "tsne", panels))
  for (i in 1:3) {
    panel <- ref[ref$panel == levels(ref$panel)[i], ]
    E <- SeuratObject::Embeddings(out, panels[i])
    expect_identical(colnames(E), paste0(c("NEGS0_", "NEGS1_", "FA2_")[i], 1:2))
    expect_equal(unname(E), unname(as.matrix(panel[order(panel$id), c("x", "y")])),
                 label = panels[i])
  }
  out2 <- embed_spectrum(obj, dims = 1:10, exaggeration = c(1, 4), perplexity = 10, n_iter = 100,
                         reduction.name = "sp", n_threads = 1, seed = 1)
  expect_identical(SeuratObject::Reductions(out2),
                   c("pca", "tsne", "sp_tsne_exaggeration_1", "sp_tsne_exaggeration_4"))
  expect_identical(SeuratObject::Key(out2[["sp_tsne_exaggeration_4"]]), "SPTSNEEXAGGERATION4_")

  obj$donor <- paste0("d", rep(1:8, 10))
  emb <- embed_wasserstein(obj, "donor", dims = 1:10, perplexity = 2, n_iter = 200,
                           n_threads = 1, seed = 1)
  ref_w <- embed_wasserstein(pcs, obj$donor, perplexity = 2, n_iter = 200, n_threads = 1, seed = 1)
  expect_equal(as.matrix(emb), as.matrix(ref_w))
  expect_identical(embedding_record(emb)$seurat_input$groups, "donor")
  expect_seurat_error(embed_wasserstein(obj, "nocolumn", dims = 1:10), "value", "groups")
})

test_that("spectral_distances on a Seurat object equals it on the cells' matrix", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  d <- spectral_distances(obj, dims = 1:8, k = 30, n_threads = 1)
  ref <- spectral_distances(SeuratObject::Embeddings(obj, "pca")[, 1:8], k = 30, n_threads = 1)
  expect_s3_class(d, "dist")
  expect_identical(attr(d, "Labels"), colnames(obj))
  expect_equal(as.numeric(d), as.numeric(ref))
})

test_that("bad Seurat input gives classed errors naming the argument", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  before <- obj
  expect_seurat_error(embed_umap(obj, reduction = "harmony"), "value", "reduction")
  expect_seurat_error(embed_tsne(obj, reduction = NA_character_), "type", "reduction")
  expect_seurat_error(knn_graph(obj, reduction = "umap", k = 5), "value", "reduction")
  # pbmc_small's "pca" has 19 columns
  expect_seurat_error(embed_umap(obj, dims = 1:30), "size", "dims")
  expect_seurat_error(embed_tsne(obj, dims = 0:4), "size", "dims")
  expect_seurat_error(embed_fa2(obj, dims = c(1, 2, 2)), "size", "dims")
  expect_seurat_error(embed_laplacian(obj, dims = "PC_1"), "size", "dims")
  expect_seurat_error(spectral_distances(obj, dims = c(1.5, 2)), "size", "dims")
  expect_seurat_error(embed_umap(obj, reduction = NULL, dims = 1:5), "value", "dims")
  expect_seurat_error(embed_umap(obj, reduction = NULL, assay = "ADT"), "value", "assay")
  expect_seurat_error(embed_umap(obj, reduction = NULL, features = "NOGENE"), "value", "features")
  expect_seurat_error(embed_tsne(obj, reduction.key = "tsne"), "value", "reduction.key")
  expect_seurat_error(embed_tsne(obj, reduction.key = "t-SNE_"), "value", "reduction.key")
  expect_seurat_error(embed_umap(obj, reduction.name = ""), "type", "reduction.name")
  expect_seurat_error(embed_spectrum(obj, reduction.name = 1), "type", "reduction.name")
  # no scaled data and no reduction
  unscaled <- obj
  assay <- unscaled[["RNA"]]
  methods::slot(assay, "scale.data") <- matrix(numeric(0), 0, 0)
  unscaled@assays$RNA <- assay
  expect_seurat_error(embed_umap(unscaled, reduction = NULL), "value", "reduction")
  # no cells
  empty <- seurat_without_cells()
  for (f in list(embed_tsne, embed_umap, embed_contrastive, embed_parametric, embed_fa2,
                 embed_laplacian, embed_pca, embed_spectrum, knn_graph)) {
    expect_seurat_error(f(empty), "size", "X")
  }
  expect_seurat_error(embed_wasserstein(empty, "groups"), "size", "X")
  expect_seurat_error(spectral_distances(empty), "size", "x")
  # not Seurat objects
  fake <- structure(list(pca = matrix(1, 3, 3)), class = "Seurat")
  expect_seurat_error(embed_umap(fake), "type", "X")
  expect_seurat_error(embed_umap(obj[["pca"]]), "type", "X")  # a DimReduc, not the object
  expect_seurat_error(embed_tsne(obj[["RNA"]]), "type", "X")  # an Assay
  expect_seurat_error(seurat_embedding(matrix(1, 2, 2), "pca"), "type", "X")
  expect_seurat_error(seurat_embedding(obj, "umap"), "value", "reduction")
  expect_seurat_error(embedding_record(obj[["pca"]]), "type", "embedding")
  # the Seurat arguments on a matrix are unknown there
  expect_error(embed_umap(SeuratObject::Embeddings(obj, "pca"), dims = 1:5),
               class = "nembed_error_type")
  expect_identical(obj, before)
})

test_that("embed_parametric stores its model in a DimReduc; the object places new cells as the matrix model", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")
  train <- rep(c(TRUE, TRUE, FALSE), length.out = ncol(obj))
  new <- obj[, colnames(obj)[!train]]
  args <- list(hidden = 16, n_epochs = 5, batch_size = 64, n_threads = 1, seed = 1)
  out <- do.call(embed_parametric, c(list(obj[, colnames(obj)[train]], dims = 1:10), args))
  ref <- do.call(embed_parametric, c(list(pcs[train, 1:10]), args))
  dr <- out[["parametric"]]
  expect_identical(SeuratObject::Key(dr), "PARAMETRIC_")
  E <- SeuratObject::Embeddings(dr)
  expect_identical(dimnames(E), list(colnames(obj)[train], paste0("PARAMETRIC_", 1:2)))
  expect_equal(unname(E), unname(as.matrix(ref)))
  rec <- embedding_record(dr)
  expect_identical(rec$model, embedding_record(ref)$model)
  expect_identical(embedding_record(out), rec)  # the object: its "parametric" reduction
  # New cells from the object = from the stored embedding's data frame = from the matrix model.
  placed <- as.matrix(embed_transform(out, new, n_threads = 1))
  expect_identical(rownames(placed), colnames(new))
  expect_identical(placed, as.matrix(embed_transform(seurat_embedding(out, "parametric"),
                                                     pcs[!train, 1:10], n_threads = 1)))
  expect_identical(placed, as.matrix(embed_transform(ref, pcs[!train, 1:10], n_threads = 1)))
  # The assay path: the same features' scaled data, through the PCA stored in the model.
  on_assay <- do.call(embed_parametric, c(list(obj[, colnames(obj)[train]], reduction = NULL,
                                               n_pca = 5), args))
  rec <- embedding_record(on_assay)
  expect_identical(dim(rec$model$input$rotation), c(length(rec$seurat_input$features), 5L))
  scaled <- nembed:::seurat_scaled_data(obj, "RNA")
  expect_identical(as.matrix(embed_transform(on_assay, new, n_threads = 1)),
                   as.matrix(embed_transform(seurat_embedding(on_assay, "parametric"),
                                             t(scaled[rec$seurat_input$features, !train]),
                                             n_threads = 1)))
})

test_that("a Seurat object's parametric model survives saveRDS() into a new R process", {
  skip_if_not_installed("SeuratObject")
  skip_if_not_installed("callr")
  obj <- pbmc_small_object()
  train <- rep(c(TRUE, FALSE), length.out = ncol(obj))
  out <- embed_parametric(obj[, colnames(obj)[train]], dims = 1:10, hidden = 16, n_epochs = 5,
                          batch_size = 64, n_threads = 1, seed = 3)
  new <- obj[, colnames(obj)[!train]]
  expect_identical(transform_in_new_process(out, new),
                   as.matrix(embed_transform(out, new, n_threads = 1)))
})

test_that("new cells without the parametric model's input give classed errors naming X_new", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  pcs <- SeuratObject::Embeddings(obj, "pca")
  fit <- function(...) embed_parametric(obj, ..., hidden = 8, n_epochs = 2, batch_size = 32,
                                        n_threads = 1, seed = 1)
  on_pcs <- fit(dims = 1:10)
  no_pca <- obj
  no_pca[["pca"]] <- NULL
  expect_seurat_error(embed_transform(on_pcs, no_pca), "value", "X_new")
  few_pcs <- obj
  few_pcs[["pca"]] <- SeuratObject::CreateDimReducObject(embeddings = pcs[, 1:6], key = "PC_",
                                                         assay = "RNA")
  expect_seurat_error(embed_transform(on_pcs, few_pcs), "size", "X_new")
  on_assay <- fit(reduction = NULL)
  features <- embedding_record(on_assay)$seurat_input$features
  fewer <- obj
  assay <- fewer[["RNA"]]
  methods::slot(assay, "scale.data") <- assay@scale.data[setdiff(rownames(assay@scale.data),
                                                                 features[1]), ]
  fewer@assays$RNA <- assay
  err <- expect_seurat_error(embed_transform(on_assay, fewer), "size", "X_new")
  expect_match(conditionMessage(err), features[1], fixed = TRUE)
  plain <- embed_parametric(pcs[, 1:10], hidden = 8, n_epochs = 2, batch_size = 32,
                            n_threads = 1, seed = 1)
  expect_seurat_error(embed_transform(plain, obj), "type", "X_new")
  expect_seurat_error(embed_transform(obj, obj), "value", "embedding")  # no "parametric"
  expect_seurat_error(embedding_record(on_pcs, name = "umap"), "value", "name")
})

test_that("seurat_embedding of a reduction nembed did not make still converts", {
  skip_if_not_installed("SeuratObject")
  obj <- pbmc_small_object()
  emb <- seurat_embedding(obj, "tsne", meta_data = FALSE)
  expect_s3_class(emb, "nembed_embedding")
  expect_equal(unname(as.matrix(emb)), unname(SeuratObject::Embeddings(obj, "tsne")))
  expect_identical(rownames(emb), colnames(obj))
  expect_identical(embedding_record(emb)$method, "tsne")
  expect_identical(names(seurat_embedding(obj, "pca"))[1:5], c("dim1", "dim2", "dim3", "dim4",
                                                              "dim5"))
})
