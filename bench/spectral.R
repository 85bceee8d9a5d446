# Speed of spectral distances and H1 persistence. Run once from the package root:
#   R_LIBS=<lib> Rscript bench/spectral.R
# Writes bench/results/spectral.csv and bench/results/spectral.md. Reports wall time and CPU time
# (user + system of this process, its threads and the programs it ran, such as Ripser): on a shared
# machine the wall time includes waiting for the cores, the CPU time does not.
suppressPackageStartupMessages(library(nembed))
threads <- 2L

timed <- function(expr) {
  t0 <- proc.time()
  val <- force(expr)
  t1 <- proc.time() - t0
  list(value = val, wall = t1[["elapsed"]],
       cpu = sum(t1[c("user.self", "sys.self", "user.child", "sys.child")], na.rm = TRUE))
}

rows <- list()
add <- function(n, step, setting, tm, note = "") {
  rows[[length(rows) + 1L]] <<- data.frame(n = n, step = step, setting = setting,
                                           wall_s = round(tm$wall, 2), cpu_s = round(tm$cpu, 2),
                                           note = note)
  message(sprintf("n = %d  %-28s %-40s wall %7.2f s  cpu %7.2f s  %s", n, step, setting,
                  tm$wall, tm$cpu, note))
}

# n = 1,000: the paper's circle benchmark size (noisy circle in 50 dimensions, sigma = 0.2), with
# each persistent-homology engine available (the Ripser program, the ripserr package).
engines <- c(if (nzchar(Sys.which("ripser"))) "ripser",
             if (requireNamespace("ripserr", quietly = TRUE)) "ripserr")
X <- noisy_circle(n = 1000, dim = 50, sigma = 0.2, seed = 1)
spectral <- list(
  list(label = "eff. resistance", setting = "eff. resistance, k = 100, exact",
       run = function() spectral_distances(X, "effective_resistance", k = 100, n_threads = threads)),
  list(label = "diffusion", setting = "diffusion, k = 15, t = 8, exact",
       run = function() spectral_distances(X, "diffusion", k = 15, t = 8, n_threads = threads)))
for (s in spectral) {
  sd <- timed(s$run())
  add(1000, "spectral_distances", s$setting, sd)
  for (engine in engines) {
    ph <- timed(persistent_homology(sd$value, max_dim = 1, engine = engine))
    add(1000, "persistent_homology (H1)", sprintf("on %s, engine %s", s$label, engine), ph,
        sprintf("score %.3f", detection_score(ph$value)))
    add(1000, "total", sprintf("%s + H1 (%s)", s$label, engine),
        list(wall = sd$wall + ph$wall, cpu = sd$cpu + ph$cpu))
  }
}
eu <- timed(persistent_homology(stats::dist(X), max_dim = 1))
add(1000, "persistent_homology (H1)", sprintf("on Euclidean (reference), engine %s",
                                              attr(eu$value, "engine")), eu,
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
        sprintf("`Rscript bench/spectral.R`, %s, %d threads, nembed %s, ripserr %s, Ripser program %s, R %s.",
                format(Sys.time(), "%Y-%m-%d %H:%M UTC", tz = "UTC"), threads,
                utils::packageVersion("nembed"),
                if ("ripserr" %in% engines) utils::packageVersion("ripserr") else "absent",
                if ("ripser" %in% engines) Sys.which("ripser") else "absent", getRversion()),
        "Data: noisy_circle(n, dim = 50, sigma = 0.2, seed = 1). Wall and CPU seconds (the machine's 2 cores are shared).",
        "",
        "| n | step | setting | wall (s) | CPU (s) | note |",
        "|---|---|---|---|---|---|",
        sprintf("| %d | %s | %s | %.2f | %.2f | %s |", res$n, res$step, res$setting, res$wall_s,
                res$cpu_s, res$note))
writeLines(md, "bench/results/spectral.md")
cat(md, sep = "\n")
