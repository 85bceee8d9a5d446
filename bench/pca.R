# PCA to 50 components of all 70,000 Fashion-MNIST images (784 pixels): nembed's pca() (Gram
# matrix in the C++ core, 1 and 2 threads) against irlba (what uwot and earlier nembed used), each
# in a fresh R process. Also the cost in CPU seconds (user + system), which is steadier than wall
# time on a shared machine, and the agreement: relative difference of explained variance and the
# largest principal angle between the two 50-dimensional subspaces.
# Usage: Rscript bench/pca.R [n]
source("bench/common.R")
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args)) as.integer(args[1]) else 70000L
k <- 50L

run_pca <- function(which, n, k, n_threads) {
  callr::r(function(which, n, k, n_threads) {
    suppressPackageStartupMessages(library(nembed))
    X <- load_fashion_mnist(n = if (n < 70000) n else NULL)$X
    gc(reset = TRUE)
    p0 <- proc.time()
    if (which == "irlba") {
      mu <- colMeans(X)
      s <- withr::with_seed(1, irlba::irlba(X, nv = k, nu = k, center = mu))
      sdev <- s$d / sqrt(nrow(X) - 1); rot <- s$v
    } else {
      Z <- pca(X, k, n_threads = n_threads)
      sdev <- attr(Z, "sdev"); rot <- attr(Z, "rotation")
    }
    p1 <- proc.time() - p0
    st <- readLines("/proc/self/status")
    hwm <- as.numeric(gsub("[^0-9]", "", st[grepl("^VmHWM", st)])) / 1024
    list(sdev = sdev, rot = rot, seconds = p1[["elapsed"]],
         cpu = p1[["user.self"]] + p1[["sys.self"]], peak_mb = hwm)
  }, args = list(which = which, n = n, k = k, n_threads = n_threads), show = FALSE)
}

ref <- run_pca("irlba", n, k, 1L)
runs <- list(irlba = ref, `nembed 1 thread` = run_pca("nembed", n, k, 1L),
             `nembed 2 threads` = run_pca("nembed", n, k, 2L))
angle <- function(A, B) max(acos(pmin(1, svd(crossprod(A, B))$d)))
tab <- do.call(rbind, lapply(names(runs), function(m) {
  r <- runs[[m]]
  data.frame(method = m, n = n, seconds = round(r$seconds, 2), cpu_seconds = round(r$cpu, 2),
             ratio_to_irlba = round(r$seconds / ref$seconds, 3), peak_mb = round(r$peak_mb),
             max_rel_diff_variance = signif(max(abs(r$sdev^2 - ref$sdev^2) / ref$sdev^2), 3),
             max_principal_angle = signif(angle(r$rot, ref$rot), 3))
}))
save_table(tab, "pca", sprintf("Rscript bench/pca.R %d", n))
