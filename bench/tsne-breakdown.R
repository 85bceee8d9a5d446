# Where a t-SNE iteration's time goes: nembed's FFT t-SNE on Fashion-MNIST PCA-50 at n points
# (default 10,000), perplexity 30, 750 iterations, with the optimiser's phase timer switched on
# (environment variable NEMBED_TSNE_PROFILE; the timer costs nothing when it is unset). Run from
# the repository root:
#   R_LIBS=/work/lib-tsne-speed Rscript bench/tsne-breakdown.R   (1 and 2 threads)
#   NEMBED_BENCH_N=10000 NEMBED_BENCH_LABEL=after Rscript bench/tsne-breakdown.R
#   NEMBED_BENCH_NEAR=0 ...   (the plain FFT grid, without the near/far split)
#   NEMBED_BENCH_LR=n12 ...  (learning rate n / 12 throughout, the schedule before issue 16's:
#                              the per-phase default lets the layout grow larger, so its grid is)
# Appends a labelled table to bench/results/tsne-breakdown-cpu.csv: wall and CPU (all threads) ms
# per iteration per phase; CPU time is the figure to compare on a loaded machine.
# Phases: attraction (sum over P, with the KL every 50 iterations), grid (the grid's fit to the
# layout and, on a new grid, buffers, plans and kernel spectra), locate (box and Lagrange weights
# of each point, sort by box row), spread (charges onto the grid), fft (forward
# transforms, kernel product, inverse transforms), gather
# (potentials back at the points), forces (forces and Z from the potentials), update (gains,
# momentum, step, re-centring), other (renumbering, interrupt checks, progress).
source("bench/common.R")
n <- as.integer(Sys.getenv("NEMBED_BENCH_N", "10000"))
label <- Sys.getenv("NEMBED_BENCH_LABEL", "current")
learning_rate <- if (Sys.getenv("NEMBED_BENCH_LR") == "n12") n / 12 else "auto"
# NEMBED_BENCH_NEAR=0: the plain FFT grid (no near/far split), embed_tsne()'s default otherwise.
near_radius <- as.numeric(Sys.getenv("NEMBED_BENCH_NEAR", "4"))
f <- bench_input(n)
rows <- list()
for (threads in c(1L, 2L)) {
  r <- callr::r(function(input_file, threads, learning_rate, near_radius) {
    suppressPackageStartupMessages(library(nembed))
    inp <- readRDS(input_file)
    Sys.setenv(NEMBED_TSNE_PROFILE = "1")
    emb <- embed_tsne(inp$Z, n_threads = threads, seed = 1, learning_rate = learning_rate,
                      near_radius = near_radius)
    list(times = nembed:::tsne_phase_times_cpp(),
         elapsed = embedding_record(emb)$timings$optimisation, Y = as.matrix(emb)[, 1:2])
  }, args = list(input_file = f, threads = threads, learning_rate = learning_rate,
                 near_radius = near_radius), show = FALSE)
  it <- r$times$iterations
  ms <- r$times$wall / it * 1000
  cpu <- r$times$cpu / it * 1000
  inp <- readRDS(f)
  rows[[length(rows) + 1]] <- data.frame(
    label = label, n = n, threads = threads, phase = c(names(ms), "sum_of_phases", "optimisation_timing"),
    ms_per_iter = round(c(ms, sum(ms), r$elapsed / it * 1000), 3),
    cpu_ms_per_iter = round(c(cpu, sum(cpu), NA), 3),
    knn_accuracy = round(knn_accuracy(r$Y, inp$labels, n_threads = 2), 4),
    knn_recall = round(knn_recall(inp$Z, r$Y, n_threads = 2), 4))
  print(rows[[length(rows)]], row.names = FALSE)
}
tab <- do.call(rbind, rows)
out <- "bench/results/tsne-breakdown-cpu.csv"
if (file.exists(out)) tab <- rbind(utils::read.csv(out), tab)
dir.create("bench/results", showWarnings = FALSE)
utils::write.csv(tab, out, row.names = FALSE)
