# n_threads = 1 must mean one thread on every public path. The probe: nembed's executor runs a
# one-thread job inline and only a job with n_threads > 1 goes to TBB, whose worker threads then
# stay alive for the rest of the process. So the process's OS thread count after a path ran with
# n_threads = 1 must equal the count before; a stage that resolves its own thread count (and so
# takes every core) leaves workers behind. Each path runs in a fresh R process; the control run
# with n_threads = 2 shows that the probe sees TBB's workers (else the test proves nothing).

# Runs in a fresh R process (callr): the paths with `th` threads (all, or those named in `only`),
# and after each the number of OS threads above the count before the first one (cumulative).
thread_probe <- function(th, only = NULL) {
  suppressMessages(library(nembed))
  os_threads <- function() {
    status <- readLines("/proc/self/status")
    as.integer(sub("^Threads:\\s*", "", grep("^Threads:", status, value = TRUE)))
  }
  set.seed(1)
  X <- matrix(rnorm(2100 * 60), 2100)  # one connected cloud: the spectral start runs (Lanczos)
  small <- X[1:300, 1:10]
  d <- stats::dist(X[, 1:10])
  invisible(crossprod(X)); invisible(svd(small))  # BLAS and LAPACK threads, if any, start here
  groups <- rep(1:30, each = 10)
  paths <- list(
    knn_graph = function() knn_graph(X, k = 10, n_threads = th),
    pca = function() pca(X, n_components = 5, n_threads = th),
    embed_pca = function() embed_pca(X, n_threads = th),
    tsne_dist = function() embed_tsne(d, n_iter = 20, early_iter = 10, n_threads = th, seed = 1),
    tsne_graph = function() embed_tsne(knn_graph(X, k = 90, n_threads = th), n_iter = 20,
                                       early_iter = 10, n_threads = th, seed = 1),
    tsne_data = function() embed_tsne(small, n_iter = 20, early_iter = 10, n_threads = th, seed = 1),
    umap = function() embed_umap(small, n_epochs = 10, n_threads = th, seed = 1),
    contrastive = function() embed_contrastive(small, n_epochs = 10, n_threads = th, seed = 1),
    fa2 = function() embed_fa2(small, n_iter = 10, n_threads = th, seed = 1),
    laplacian = function() embed_laplacian(X, n_threads = th, seed = 1),
    spectrum = function() embed_spectrum(small, exaggeration = c(1, 4), n_iter = 20, early_iter = 10,
                                         extra = c("umap", "fa2", "laplacian"), n_threads = th,
                                         seed = 1),
    spectral_distances = function() spectral_distances(small, n_threads = th),
    wasserstein = function() embed_wasserstein(small, groups, perplexity = 5, n_iter = 20,
                                               early_iter = 10, n_threads = th, seed = 1),
    transform = function() {
      e <- embed_umap(small[1:200, ], n_epochs = 10, n_threads = th, seed = 1)
      embed_transform(e, small[201:300, ], n_threads = th)
    }
  )
  if (requireNamespace("SingleCellExperiment", quietly = TRUE)) {
    # the assay path: PCA of the cells x genes matrix before the method runs
    paths$sce_assay <- function() {
      counts <- matrix(as.numeric(rpois(500 * 300, 2)), 500,
                       dimnames = list(paste0("g", 1:500), paste0("c", 1:300)))
      sce <- SingleCellExperiment::SingleCellExperiment(list(logcounts = log1p(counts)))
      embed_umap(sce, n_epochs = 10, n_threads = th, seed = 1)
    }
  }
  if (!is.null(only)) paths <- paths[only]
  before <- os_threads()
  vapply(paths, function(run) {
    suppressMessages(run())
    os_threads() - before
  }, integer(1))
}

run_thread_probe <- function(n_threads, only = NULL) {
  callr::r(thread_probe, args = list(n_threads, only), libpath = .libPaths(), timeout = 300)
}

test_that("n_threads = 1 starts no worker thread on any public path", {
  skip_if_not(file.exists("/proc/self/status"), "needs Linux's /proc to count threads")
  skip_if(RcppParallel::defaultNumThreads() < 2, "one core: nothing to tell apart")
  skip_if_not_installed("callr")
  extra <- run_thread_probe(1L)
  expect_gte(length(extra), 14L)
  # Cumulative: the first path with a non-zero count is the one that took more threads.
  expect_equal(extra, stats::setNames(rep(0L, length(extra)), names(extra)))
  # The control: with two threads the probe does see TBB's workers. Two paths are enough to
  # show that (the whole list again took as long as the test itself).
  control <- run_thread_probe(2L, only = c("knn_graph", "umap"))
  expect_gt(max(control), 0L)
})
