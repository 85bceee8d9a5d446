# Fixtures for the Seurat tests: SeuratObject's pbmc_small (80 cells, 230 genes, a 19-column
# "pca" and a "tsne" made by Seurat, scaled data for its 20 variable features).
pbmc_small_object <- function() SeuratObject::pbmc_small

# pbmc_small without cells. SeuratObject refuses to build or subset to an empty object, so its
# slots are emptied one by one (the result passes validObject()).
seurat_without_cells <- function() {
  obj <- pbmc_small_object()
  assay <- obj[["RNA"]]
  methods::slot(assay, "counts") <- assay@counts[, 0]
  methods::slot(assay, "data") <- assay@data[, 0]
  methods::slot(assay, "scale.data") <- assay@scale.data[, 0]
  obj@assays$RNA <- assay
  obj@meta.data <- obj@meta.data[0, ]
  obj@active.ident <- obj@active.ident[0]
  obj@reductions <- list()
  obj@graphs <- list()
  methods::validObject(obj)
  obj
}

# A classed nembed_error of subclass `class` whose condition and message name `arg`.
expect_seurat_error <- function(expr, class, arg) {
  err <- expect_nembed_error(expr, paste0("`", arg, "`"))
  expect_s3_class(err, paste0("nembed_error_", class))
  expect_identical(err$arg, arg)
  invisible(err)
}
