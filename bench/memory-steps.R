# Peak memory of each step of embed_tsne (issue 16's memory target): the PCA initialisation, the
# affinities (held in the core), the optimisation and the record's affinities rebuilt after it,
# in one R process, resetting the kernel's high-water mark (VmHWM, via /proc/self/clear_refs)
# at each step's entry. Input: bench/scale.R's Gaussian mixture and its kNN graph (k = 90),
# both cached by a scale.R run with NEMBED_SCALE_CACHE and NEMBED_SCALE_KNN_CACHE set:
#   NEMBED_SCALE_CACHE=/work/cache NEMBED_SCALE_KNN_CACHE=/work/cache/scale-knn \
#     NEMBED_SCALE_N=1000000 NEMBED_SCALE_METHODS=tsne NEMBED_SCALE_ITER=60 Rscript bench/scale.R
#   NEMBED_SCALE_CACHE=/work/cache NEMBED_SCALE_KNN_CACHE=/work/cache/scale-knn \
#     Rscript bench/memory-steps.R 1000000 60      # n, iterations (60: memory only)
# Linux only. Prints RSS at each step's entry and exit and the peak since the previous line.
args <- commandArgs(TRUE)
n <- as.integer(if (length(args) >= 1) args[1] else 1000000)
n_iter <- as.integer(if (length(args) >= 2) args[2] else 60)
suppressPackageStartupMessages(library(nembed))
cache <- Sys.getenv("NEMBED_SCALE_CACHE", tempdir())
inp <- readRDS(file.path(cache, sprintf("mixture8-%d.rds", n)))
knn_file <- file.path(Sys.getenv("NEMBED_SCALE_KNN_CACHE"), sprintf("knn90-%d.rds", n))
stopifnot(file.exists(knn_file))
utils::assignInNamespace("knn_graph", function(X, ...) readRDS(knn_file), "nembed")
st <- function(key) {
  as.numeric(gsub("\\D", "", grep(paste0("^", key), readLines("/proc/self/status"), value = TRUE))) / 1024
}
t00 <- proc.time()[[3]]
mark <- function(what) {
  cat(sprintf("%7.1f s  %-40s RSS %6.0f MB  peak since the previous line %6.0f MB\n",
              proc.time()[[3]] - t00, what, st("VmRSS"), st("VmHWM")))
}
reset <- function() writeLines("5", "/proc/self/clear_refs")  # VmHWM := VmRSS
for (f in c("prepare_embedding_input", "init_layout", "tsne_core_affinities", "run_tsne_optimizer",
            "build_affinities")) {
  trace(f, where = asNamespace("nembed"), print = FALSE,
        tracer = bquote({mark(paste("enter", .(f))); reset()}),
        exit = bquote(mark(paste("exit ", .(f)))))
}
invisible(gc())
reset()
mark("start")
e <- embed_tsne(inp$X, n_iter = n_iter, n_threads = 2, seed = 1)
mark("end")
print(unlist(embedding_record(e)$timings))
