# Benchmark: embed_umap vs uwot::umap on Fashion-MNIST 70,000 (PCA 50), 2 threads, matched settings
# (n_neighbors 15, min_dist 0.1, 200 epochs). Each method runs in a child Rscript so that its wall
# time and peak memory (VmHWM of the child) are its own. Also times embed_contrastive (neg, s = 0
# and s = 1) and, with BENCH_SPECTRUM=1, embed_spectrum with six exaggeration panels.
# Run from the package root with nembed installed:  Rscript bench/umap.R
# Writes bench/results/umap.md and bench/results/umap.csv; uwot runs with verbose = TRUE and its
# phase log goes to bench/results/umap-uwot.log, nembed's per-phase timings (the record's) into
# the table. With BENCH_BREAKDOWN=1 it writes only bench/results/umap-breakdown.md instead: the
# phases of embed_umap (kNN, affinities, spectral initialisation, SGD with and without negatives
# and with b = 1, i.e. without powers) with CPU and wall time at 1 and 2 threads.
suppressPackageStartupMessages(library(nembed))
lib <- Sys.getenv("R_LIBS")
work <- file.path(tempdir(), "bench-umap")
dir.create(work, showWarnings = FALSE)
n <- as.integer(Sys.getenv("BENCH_N", "70000"))
fm <- load_fashion_mnist(n = if (n < 70000) n else NULL)
Z <- pca(fm$X, 50)
saveRDS(list(Z = unclass(Z)[, 1:50], labels = fm$labels), file.path(work, "data.rds"))

run_child <- function(name, code, log = "") {
  script <- file.path(work, paste0(name, ".R"))
  out <- file.path(work, paste0(name, ".rds"))
  writeLines(c(
    "suppressPackageStartupMessages(library(nembed))",
    sprintf("d <- readRDS('%s')", file.path(work, "data.rds")),
    "t0 <- proc.time()[['elapsed']]",
    code,
    "elapsed <- proc.time()[['elapsed']] - t0",
    "st <- readLines('/proc/self/status')",
    "hwm <- as.numeric(gsub('[^0-9]', '', grep('^VmHWM', st, value = TRUE))) / 1024",
    "timings <- if (inherits(Y, 'nembed_embedding')) unlist(embedding_record(Y)$timings)",
    sprintf("saveRDS(list(Y = as.matrix(Y)[, 1:2], elapsed = elapsed, peak_mb = hwm, timings = timings), '%s')", out)),
    script)
  status <- system2(file.path(R.home("bin"), "Rscript"), script, stderr = log,
                    env = if (nzchar(lib)) paste0("R_LIBS=", lib) else character())
  if (status != 0) stop("child ", name, " failed")
  readRDS(out)
}

load_avg <- function() paste(readLines("/proc/loadavg"), collapse = " ")

if (Sys.getenv("BENCH_BREAKDOWN") == "1") {
  # Each phase as embed_umap runs it (same calls, same parameters), timed on its own in one child
  # per thread count: CPU time (user + system of the process) and wall time.
  phase_code <- function(nt) c(
    sprintf("nt <- %d", nt),
    "tm <- function(expr) { t0 <- proc.time(); v <- force(expr); t <- proc.time() - t0",
    "  list(v = v, t = c(wall = t[['elapsed']], cpu = t[['user.self']] + t[['sys.self']] + t[['user.child']] + t[['sys.child']])) }",
    "r_knn <- tm(knn_graph(d$Z, k = 14, method = 'hnsw', ef_construction = nembed:::embedding_hnsw$ef_construction, M = nembed:::embedding_hnsw$M, ef = 14 + nembed:::embedding_hnsw$ef_extra, n_threads = nt, seed = 1))",
    "r_aff <- tm(affinities(r_knn$v, method = 'umap', k = 14, n_threads = nt))",
    "r_init <- tm(nembed:::spectral_eigen(r_aff$v$P, 2, 1, nt, tol = 1e-6))",
    "Y0 <- r_init$v$vectors; Y0 <- 10 * Y0 / max(abs(Y0)); P <- nembed:::as_weight_matrix(r_aff$v$P)",
    "ab <- umap_ab_params()",
    "sgd <- function(neg, b) tm(nembed:::umap_sgd_cpp(Y0, P, list(n_epochs = 200, a = ab[['a']], b = b, gamma = 1, negative_rate = neg, learning_rate = 1, seed = 1, n_threads = nt, verbose = FALSE)))",
    "r_sgd <- sgd(5, ab[['b']]); r_sgd0 <- sgd(0, ab[['b']]); r_sgd1 <- sgd(5, 1)",
    "w <- P@x; w <- w[w >= max(w) / 200]",
    "phases <- rbind(knn = r_knn$t, affinities = r_aff$t, spectral_init = r_init$t, sgd = r_sgd$t, sgd_no_negatives = r_sgd0$t, sgd_b1_no_powers = r_sgd1$t)",
    "Y <- r_sgd$v",
    "saveRDS(list(phases = phases, edges = length(w), samples = sum(floor(200 * w / max(w))), lanczos = r_init$v$iterations, load = readLines('/proc/loadavg')), file.path(dirname(d_path), sprintf('phases-%d.rds', nt)))")
  rows <- NULL
  extra <- list()
  for (nt in 1:2) {
    message(format(Sys.time(), "%H:%M:%S "), "phases, ", nt, " thread(s)")
    run_child(sprintf("phases%d", nt), c(sprintf("d_path <- '%s'", file.path(work, "data.rds")), phase_code(nt)))
    ph <- readRDS(file.path(work, sprintf("phases-%d.rds", nt)))
    extra[[nt]] <- ph
    rows <- rbind(rows, data.frame(threads = nt, phase = rownames(ph$phases), wall_s = round(ph$phases[, "wall"], 2),
                                   cpu_s = round(ph$phases[, "cpu"], 2), load = ph$load))
  }
  print(rows)
  md <- c("# embed_umap: where the time goes",
          "",
          sprintf("Fashion-MNIST %d x 784 -> PCA 50, k = 14 (n_neighbors 15), min_dist 0.1, 200 epochs; each phase called as embed_umap calls it, timed alone in one Rscript child per thread count. CPU = user + system time of the process. %d directed edges are sampled (%.1f million edge samples over 200 epochs, each with 5 negatives); Lanczos iterations: %d. Run %s.",
                  n, extra[[1]]$edges, extra[[1]]$samples / 1e6, extra[[1]]$lanczos, format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")),
          "",
          "| threads | phase | wall (s) | CPU (s) | load average at the end (1, 5, 15 min) |",
          "|---|---|---|---|---|",
          sprintf("| %d | %s | %.2f | %.2f | %s |", rows$threads, rows$phase, rows$wall_s, rows$cpu_s,
                  vapply(strsplit(rows$load, " "), function(x) paste(x[1:3], collapse = ", "), "")),
          "",
          "`sgd_no_negatives` (n_negatives = 0) is the edge scan and the attractive steps; `sgd` minus it is the negatives; `sgd_b1_no_powers` (b = 1, so no power is computed) shows what the powers d^(2b) cost.",
          "",
          "Command: `BENCH_BREAKDOWN=1 R_LIBS=<lib> Rscript bench/umap.R` from the package root.")
  writeLines(md, "bench/results/umap-breakdown.md")
  quit(save = "no")
}

uwot_code <- function(seed) sprintf("set.seed(%d); Y <- uwot::umap(d$Z, n_neighbors = 15, min_dist = 0.1, n_epochs = 200, n_threads = 2, n_sgd_threads = 2, pca = NULL, verbose = TRUE)", seed)
umap_code <- function(seed) sprintf("Y <- embed_umap(d$Z, k = 14, min_dist = 0.1, n_epochs = 200, n_threads = 2, seed = %d)", seed)
methods <- list(
  uwot = uwot_code(1),
  nembed_umap = umap_code(1),
  nembed_neg_s0 = "Y <- embed_contrastive(d$Z, loss = 'neg', s = 0, n_threads = 2, seed = 1)",
  nembed_neg_s1 = "Y <- embed_contrastive(d$Z, loss = 'neg', s = 1, n_threads = 2, seed = 1)"
)
# BENCH_UMAP_ONLY=1: uwot and embed_umap only (the contrastive rows take minutes each and have
# their own bench, bench/contrastive.R).
if (Sys.getenv("BENCH_UMAP_ONLY") == "1") methods <- methods[c("uwot", "nembed_umap")]
# BENCH_SEEDS=1,2,3: uwot and embed_umap once per seed (both are randomised; one seed's kNN accuracy
# moves by about 0.005 between seeds), and a mean row for each.
seeds <- as.integer(strsplit(Sys.getenv("BENCH_SEEDS", "1"), ",")[[1]])
for (sd in setdiff(seeds, 1L)) {
  methods[[sprintf("uwot_seed%d", sd)]] <- uwot_code(sd)
  methods[[sprintf("nembed_umap_seed%d", sd)]] <- umap_code(sd)
}
if (Sys.getenv("BENCH_SPECTRUM") == "1") {
  methods$nembed_spectrum6 <- "sp <- embed_spectrum(d$Z, exaggeration = c(1, 2, 4, 8, 16, 32), n_threads = 2, seed = 1); Y <- as.matrix(sp[sp$exaggeration == 32, c('x', 'y')])"
}
res <- lapply(names(methods), function(m) {
  message(format(Sys.time(), "%H:%M:%S "), m)
  run_child(m, methods[[m]], log = if (m == "uwot") "bench/results/umap-uwot.log" else "")
})
load_end <- load_avg()
names(res) <- names(methods)

g <- knn_graph(Z[, 1:50], k = 10, method = "exact", n_threads = 2)
tab <- do.call(rbind, lapply(names(res), function(m) {
  r <- res[[m]]
  data.frame(method = m, n = nrow(r$Y), wall_s = round(r$elapsed, 1), peak_mb = round(r$peak_mb),
             knn_accuracy = round(knn_accuracy(r$Y, fm$labels, k = 10, n_threads = 2), 4),
             knn_recall = round(knn_recall(g, r$Y, k = 10, n_threads = 2), 4))
}))
if (length(seeds) > 1) {
  mean_row <- function(prefix) {
    r <- tab[tab$method == prefix | startsWith(tab$method, paste0(prefix, "_seed")), ]
    data.frame(method = sprintf("%s (mean of seeds %s)", prefix, paste(seeds, collapse = ", ")), n = r$n[1],
               wall_s = round(mean(r$wall_s), 1), peak_mb = round(mean(r$peak_mb)),
               knn_accuracy = round(mean(r$knn_accuracy), 4), knn_recall = round(mean(r$knn_recall), 4))
  }
  tab <- rbind(tab, mean_row("uwot"), mean_row("nembed_umap"))
}
tab$time_vs_uwot <- round(tab$wall_s / tab$wall_s[tab$method == "uwot"], 2)
if (length(seeds) > 1) {
  m <- grepl("mean of seeds", tab$method)
  tab$time_vs_uwot[m] <- round(tab$wall_s[m] / tab$wall_s[m & startsWith(tab$method, "uwot")], 2)
}
print(tab)
write.csv(tab, "bench/results/umap.csv", row.names = FALSE)
md <- c("# embed_umap vs uwot::umap",
        "",
        sprintf("Fashion-MNIST %d x 784 -> PCA 50 (nembed::pca), 2 threads, n_neighbors 15, min_dist 0.1, 200 epochs; each method in its own Rscript child (wall time of the call, peak resident memory VmHWM of the child). kNN accuracy and recall: k = 10, exact neighbours on the PCA-50 input. Machine: %s; uwot %s; run %s.",
                n, paste(Sys.info()[c("sysname", "release")], collapse = " "),
                as.character(utils::packageVersion("uwot")), format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC")),
        "",
        "| method | n | wall (s) | time / uwot | peak memory (MB) | kNN accuracy | kNN recall |",
        "|---|---|---|---|---|---|---|",
        sprintf("| %s | %d | %.1f | %.2f | %d | %.4f | %.4f |", tab$method, tab$n, tab$wall_s,
                tab$time_vs_uwot, as.integer(tab$peak_mb), tab$knn_accuracy, tab$knn_recall),
        "",
        sprintf("Load average (1, 5, 15 min) after the runs: %s.", paste(strsplit(load_end, " ")[[1]][1:3], collapse = ", ")),
        "",
        paste0("embed_umap's phases (seconds, from its record): ",
               paste(sprintf("%s %.2f", names(res$nembed_umap$timings), res$nembed_umap$timings), collapse = ", "),
               ". uwot's own phase log (verbose = TRUE): `bench/results/umap-uwot.log`."),
        "",
        paste0("Command: `R_LIBS=<lib> Rscript bench/umap.R` from the package root",
               if (length(seeds) > 1) sprintf(" (`BENCH_SEEDS=%s`; the mean rows compare with uwot's mean).", paste(seeds, collapse = ",")) else "."))
writeLines(md, "bench/results/umap.md")
