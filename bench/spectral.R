# Speed of spectral distances and H1 persistence. Run once from the package root:
#   R_LIBS=<lib> Rscript bench/spectral.R
# Writes bench/results/spectral.csv and bench/results/spectral.md. Reports wall time and CPU time
# (user + system of this process and its threads): on a shared machine the wall time includes
# waiting for the cores, the CPU time does not.
suppressPackageStartupMessages(library(nembed))
threads <- 2L

timed <- function(expr) {
  t0 <- proc.time()
  val <- force(expr)
  t1 <- proc.time() - t0
  list(value = val, wall = t1[["elapsed"]], cpu = t1[["user.self"]] + t1[["sys.self"]])
}

rows <- list()
add <- function(n, step, setting, tm, note = "") {
  rows[[length(rows) + 1L]] <<- data.frame(n = n, step = step, setting = setting,
                                           wall_s = round(tm$wall, 2), cpu_s = round(tm$cpu, 2),
                                           note = note)
  message(sprintf("n = %d  %-28s %-40s wall %7.2f s  cpu %7.2f s  %s", n, step, setting,
                  tm$wall, tm$cpu, note))
}

# n = 1,000: the paper's circle benchmark size (noisy circle in 50 dimensions, sigma = 0.2).
X <- noisy_circle(n = 1000, dim = 50, sigma = 0.2, seed = 1)
er <- timed(spectral_distances(X, "effective_resistance", k = 100, n_threads = threads))
add(1000, "spectral_distances", "eff. resistance, k = 100, exact", er)
ph <- timed(persistent_homology(er$value, max_dim = 1))
add(1000, "persistent_homology (H1)", "on eff. resistance", ph,
    sprintf("score %.3f", detection_score(ph$value)))
add(1000, "total", "eff. resistance + H1",
    list(wall = er$wall + ph$wall, cpu = er$cpu + ph$cpu))
df <- timed(spectral_distances(X, "diffusion", k = 15, t = 8, n_threads = threads))
add(1000, "spectral_distances", "diffusion, k = 15, t = 8, exact", df)
phd <- timed(persistent_homology(df$value, max_dim = 1))
add(1000, "persistent_homology (H1)", "on diffusion", phd,
    sprintf("score %.3f", detection_score(phd$value)))
add(1000, "total", "diffusion + H1", list(wall = df$wall + phd$wall, cpu = df$cpu + phd$cpu))
eu <- timed(persistent_homology(stats::dist(X), max_dim = 1))
add(1000, "persistent_homology (H1)", "on Euclidean (reference)", eu,
    sprintf("score %.3f", detection_score(eu$value)))

# n = 5,000: default (truncated, 200 eigenpairs by Lanczos) and exact (dense eigensolver).
X5 <- noisy_circle(n = 5000, dim = 50, sigma = 0.2, seed = 1)
er5 <- timed(spectral_distances(X5, "effective_resistance", k = 100, n_threads = threads))
add(5000, "spectral_distances", "eff. resistance, k = 100, default (200 eigenpairs)", er5)
df5 <- timed(spectral_distances(X5, "diffusion", k = 15, t = 8, n_threads = threads))
add(5000, "spectral_distances", "diffusion, k = 15, t = 8, default (200 eigenpairs)", df5)
# The exact dense run (one, it is the expensive one) measures what the truncation costs.
g5 <- knn_graph(X5, k = 100, n_threads = threads)
er5x <- timed(spectral_distances(g5, "effective_resistance", n_eigen = 4999, n_threads = threads))
set.seed(1)
pairs <- sample.int(length(er5x$value), 1e5)
sp <- stats::cor(er5$value[pairs], er5x$value[pairs], method = "spearman")
rel <- stats::median(abs(er5$value[pairs] - er5x$value[pairs]) / er5x$value[pairs])
add(5000, "spectral_distances", "eff. resistance, k = 100, exact (dense)", er5x,
    sprintf("200-eigenpair version vs exact: Spearman %.3f, median rel. error %.2f", sp, rel))

res <- do.call(rbind, rows)
dir.create("bench/results", showWarnings = FALSE, recursive = TRUE)
utils::write.csv(res, "bench/results/spectral.csv", row.names = FALSE)
md <- c("# Spectral distances and persistent homology: timings",
        "",
        sprintf("`Rscript bench/spectral.R`, %s, %d threads, nembed %s, ripserr %s, R %s.",
                format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"), threads,
                utils::packageVersion("nembed"), utils::packageVersion("ripserr"),
                getRversion()),
        "Data: noisy_circle(n, dim = 50, sigma = 0.2, seed = 1). Wall and CPU seconds (the machine's 2 cores are shared).",
        "",
        "| n | step | setting | wall (s) | CPU (s) | note |",
        "|---|---|---|---|---|---|",
        sprintf("| %d | %s | %s | %.2f | %.2f | %s |", res$n, res$step, res$setting, res$wall_s,
                res$cpu_s, res$note))
writeLines(md, "bench/results/spectral.md")
cat(md, sep = "\n")
