# Scale: t-SNE and UMAP on up to 1,000,000 points (issue 8).
#
#   Rscript bench/scale.R                 # n = 10k, 100k, 1M; t-SNE and UMAP
#   NEMBED_SCALE_N=100000 Rscript bench/scale.R
#   NEMBED_SCALE_METHODS=tsne Rscript bench/scale.R
#   NEMBED_SCALE_ITER=60 NEMBED_SCALE_METHODS=tsne Rscript bench/scale.R   # memory only: few iterations
#
# Data: a Gaussian mixture in 50 dimensions with 100 clusters (centres N(0, 0.3^2 I), so neighbouring clusters touch), each cluster
# spread along its own random 8-dimensional subspace plus isotropic noise of sd 0.1: a low
# intrinsic dimension, as in the principal components of real data. (Isotropic 50-D clusters
# would make every neighbourhood random: no method, exact or approximate, could recall it.)
# Each embedding runs through the one call a user makes (embed_tsne(X) / embed_umap(X), 2 threads)
# in its own R process; the parent samples that process's resident memory every 0.1 s and
# attributes each sample to a phase using the phase timings the embedding records (phases run in
# the order the record lists them), so the table shows wall time and peak memory per phase
# (kNN, affinities, initialisation, optimisation). Quality is estimated on 5,000 random points:
# kNN accuracy against all points' labels in 2-D, and kNN recall of their 10 exact neighbours
# in 50-D (exact search of the sample against all n points).
suppressPackageStartupMessages(library(nembed))

sizes <- as.numeric(strsplit(Sys.getenv("NEMBED_SCALE_N", "10000,100000,1000000"), ",")[[1]])
methods <- strsplit(Sys.getenv("NEMBED_SCALE_METHODS", "tsne,umap"), ",")[[1]]
n_threads <- 2L
# Fewer iterations (t-SNE's n_iter, UMAP's n_epochs) for memory probes: the peak comes from the
# arrays allocated before the first iteration, except the FFT grid, which grows with the layout's
# extent (so a short run under-states it; the table then says so). Results are not saved.
n_iter <- as.integer(Sys.getenv("NEMBED_SCALE_ITER", "0"))
# Probes of the later phases may reuse the kNN graph (k = 90, t-SNE's) of an earlier probe at the
# same n: saved by the first, then handed to the embedding in place of the search, whose time and
# memory the table then does not show (its "knn" row is the loading).
knn_cache <- Sys.getenv("NEMBED_SCALE_KNN_CACHE", "")
cache <- Sys.getenv("NEMBED_SCALE_CACHE", tempdir())

mixture <- function(n, dim = 50, n_clusters = 100, intrinsic = 8, seed = 1) {
  set.seed(seed)
  centres <- matrix(rnorm(n_clusters * dim, sd = 0.3), n_clusters)
  labels <- sample.int(n_clusters, n, replace = TRUE)
  X <- centres[labels, , drop = FALSE] + matrix(rnorm(n * dim, sd = 0.1), n)
  # each cluster varies along its own random 8-dimensional subspace
  for (cl in seq_len(n_clusters)) {
    r <- which(labels == cl)
    A <- matrix(rnorm(intrinsic * dim), intrinsic) / sqrt(intrinsic)
    X[r, ] <- X[r, ] + matrix(rnorm(length(r) * intrinsic), length(r)) %*% A
  }
  list(X = X, labels = labels)
}

input_file <- function(n) {
  f <- file.path(cache, sprintf("mixture8-%d.rds", n))
  if (!file.exists(f)) saveRDS(mixture(n), f, compress = FALSE)
  f
}

rss_mb <- function(pid) {
  st <- tryCatch(readLines(sprintf("/proc/%d/status", pid)), error = function(e) character())
  line <- st[startsWith(st, "VmRSS")]
  if (length(line)) as.numeric(gsub("[^0-9]", "", line)) / 1024 else NA_real_
}

# Runs the embedding in a child; returns coordinates, the record's timings and memory samples.
run_child <- function(method, file, n) {
  proc <- callr::r_bg(function(method, file, n_threads, n_iter, knn_file) {
    suppressPackageStartupMessages(library(nembed))
    inp <- readRDS(file)
    if (nzchar(knn_file) && method == "tsne") {
      if (!file.exists(knn_file)) {
        saveRDS(knn_graph(inp$X, k = 90, n_threads = n_threads, seed = 1), knn_file, compress = FALSE)
      }
      utils::assignInNamespace("knn_graph", function(X, ...) readRDS(knn_file), "nembed")
    }
    gc()
    t0 <- proc.time()[["elapsed"]]
    start <- Sys.time()
    emb <- switch(method,
      tsne = if (n_iter > 0) embed_tsne(inp$X, n_iter = n_iter, n_threads = n_threads, seed = 1)
             else embed_tsne(inp$X, n_threads = n_threads, seed = 1),
      umap = if (n_iter > 0) embed_umap(inp$X, n_epochs = n_iter, n_threads = n_threads, seed = 1)
             else embed_umap(inp$X, n_threads = n_threads, seed = 1))
    secs <- proc.time()[["elapsed"]] - t0
    rec <- embedding_record(emb)
    # The kernel's high-water mark of resident memory: the true peak, which 0.1 s samples can miss.
    st <- readLines("/proc/self/status")
    hwm <- as.numeric(gsub("[^0-9]", "", st[startsWith(st, "VmHWM")])) / 1024
    list(Y = as.matrix(emb)[, 1:2], seconds = secs, start = start, timings = rec$timings,
         hwm_mb = hwm)
  }, args = list(method = method, file = file, n_threads = n_threads, n_iter = n_iter,
                 knn_file = if (nzchar(knn_cache)) file.path(knn_cache, sprintf("knn90-%d.rds", as.integer(n))) else ""))
  pid <- proc$get_pid()
  samples <- data.frame(time = numeric(), mb = numeric())
  while (proc$is_alive()) {
    samples[nrow(samples) + 1L, ] <- list(as.numeric(Sys.time()), rss_mb(pid))
    Sys.sleep(0.1)
  }
  res <- proc$get_result()
  res$samples <- samples
  res
}

phase_table <- function(res, method, n) {
  tm <- res$timings
  tm <- tm[setdiff(names(tm), "total")]
  tm <- unlist(tm)
  tm <- tm[!is.na(tm)]  # stages the run did not have (e.g. no PCA of 50 columns)
  # embed_tsne() makes its PCA initialisation before the affinities (see R/tsne.R)
  if (method == "tsne") tm <- tm[c(setdiff(names(tm), c("affinities", "init", "optimisation")), "init", "affinities", "optimisation")]
  # The embed call starts with reading nothing: its start is `start`; phases follow in order,
  # with any unrecorded time (argument checks, R-side conversion) in the last row.
  start <- as.numeric(res$start)
  ends <- start + cumsum(tm)
  s <- res$samples
  s <- s[s$time >= start, ]
  phase_of <- findInterval(s$time, c(start, ends), left.open = TRUE, rightmost.closed = FALSE)
  peaks <- vapply(seq_along(tm), function(i) {
    v <- s$mb[phase_of == i]
    if (length(v)) max(v, na.rm = TRUE) else NA_real_
  }, numeric(1))
  rbind(
    data.frame(method = method, n = n, phase = names(tm), seconds = round(tm, 1),
               peak_mb = round(peaks), row.names = NULL),
    data.frame(method = method, n = n, phase = "total (call)", seconds = round(res$seconds, 1),
               peak_mb = round(max(s$mb, na.rm = TRUE)), row.names = NULL))
}

quality <- function(res, file, n_sample = 5000) {
  inp <- readRDS(file)
  n <- nrow(inp$X)
  set.seed(2)
  s <- sort(sample.int(n, min(n_sample, n)))
  # 11 neighbours including the point itself (distance 0), which is dropped.
  nb2 <- nembed:::knn_query_cpp(res$Y, res$Y[s, , drop = FALSE], list(k = 11L, metric = "euclidean", n_threads = n_threads))$idx[, -1]
  lab <- inp$labels
  acc <- mean(nembed:::majority_vote(matrix(lab[nb2], nrow = length(s)), max(lab)) == lab[s])
  nbh <- nembed:::knn_query_cpp(inp$X, inp$X[s, , drop = FALSE], list(k = 11L, metric = "euclidean", n_threads = n_threads))$idx[, -1]
  rec <- mean(vapply(seq_along(s), function(i) length(intersect(nb2[i, ], nbh[i, ])) / 10, numeric(1)))
  c(knn_accuracy = round(acc, 4), knn_recall = round(rec, 4))
}

source("bench/common.R")  # save_table()
all <- list()
summary <- list()
for (n in sizes) {
  f <- input_file(n)
  for (m in methods) {
    cat(sprintf("== %s, n = %d\n", m, n))
    res <- run_child(m, f, n)
    tab <- phase_table(res, m, n)
    print(tab, row.names = FALSE)
    load <- round(as.numeric(strsplit(readLines("/proc/loadavg"), " ")[[1]][1]), 2)
    extent <- round(max(apply(res$Y, 2, function(v) diff(range(v)))))
    cat(sprintf("peak (VmHWM) %.0f MB, layout extent %d, load average %.2f\n", res$hwm_mb, extent, load))
    if (n_iter > 0) next  # a memory probe: no quality, nothing saved
    q <- quality(res, f)
    all[[length(all) + 1L]] <- tab
    summary[[length(summary) + 1L]] <- data.frame(method = m, n = n, seconds = round(res$seconds, 1),
                                                  peak_mb = round(res$hwm_mb),
                                                  knn_accuracy = q[["knn_accuracy"]],
                                                  knn_recall = q[["knn_recall"]],
                                                  extent = extent, load_avg = load)
    print(tail(summary, 1)[[1]], row.names = FALSE)
  }
}
if (n_iter > 0) quit(save = "no")
# A run of some sizes or methods replaces their rows in the saved tables and keeps the others.
merge_saved <- function(tab, name) {
  f <- file.path("bench/results", paste0(name, ".csv"))
  if (!file.exists(f)) return(tab)
  old <- utils::read.csv(f)
  old <- old[!paste(old$method, old$n) %in% paste(tab$method, tab$n), , drop = FALSE]
  for (col in setdiff(names(tab), names(old))) old[[col]] <- NA
  out <- rbind(old[, names(tab)], tab)
  out[order(out$n, out$method), , drop = FALSE]
}
phases <- merge_saved(do.call(rbind, all), "scale-phases")
summ <- merge_saved(do.call(rbind, summary), "scale")
# Growth of cost per point relative to the smallest n (1 = linear).
summ$time_per_point_vs_smallest <- NA_real_
for (m in unique(summ$method)) {
  r <- summ$method == m
  base <- summ$seconds[r][1] / summ$n[r][1]
  summ$time_per_point_vs_smallest[r] <- round(summ$seconds[r] / summ$n[r] / base, 2)
}
save_table(phases, "scale-phases", "Rscript bench/scale.R")
save_table(summ, "scale", "Rscript bench/scale.R")
