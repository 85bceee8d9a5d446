# embed_transform(embedding, X_new) run in a new R process from what saveRDS() wrote, for the tests
# that a stored model (in a data frame, a SingleCellExperiment or a Seurat object) survives.
transform_in_new_process <- function(embedding, X_new) {
  f <- tempfile(fileext = ".rds")
  on.exit(unlink(f))
  saveRDS(list(embedding = embedding, X_new = X_new), f)
  callr::r(function(f) {
    saved <- readRDS(f)
    as.matrix(nembed::embed_transform(saved$embedding, saved$X_new, n_threads = 1))
  }, args = list(f = f), libpath = .libPaths())
}
