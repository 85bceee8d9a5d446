# Loop detection on noisy shapes in 50 dimensions (Damrich, Berens & Kobak 2024, Fig. circle):
# detection scores of Vietoris-Rips H1 persistence on Euclidean, corrected effective resistance
# and diffusion distances, over noise levels and seeds. Heavy (Ripser on 1,000 points, about
# 30 s per diagram on spectral distances): run once, in the background, from the package root:
#   R_LIBS=<lib> nohup Rscript bench/spectral-sweep.R > bench/results/spectral-sweep.log 2>&1 &
# (or one process per dataset: NEMBED_SWEEP_DATASETS=circle, NEMBED_SWEEP_DATASETS=linked_circles)
# Writes inst/extdata/ph_circle_scores.csv, one row per (dataset, sigma, seed, distance), appending
# as it goes so a partial run is usable; rows already present are skipped on a rerun.
suppressPackageStartupMessages(library(nembed))

out <- Sys.getenv("NEMBED_SWEEP_OUT", "inst/extdata/ph_circle_scores.csv")
sigmas <- as.numeric(strsplit(Sys.getenv("NEMBED_SWEEP_SIGMAS",
                                         "0,0.05,0.1,0.15,0.2,0.25,0.3,0.35"), ",")[[1]])
seeds <- as.integer(strsplit(Sys.getenv("NEMBED_SWEEP_SEEDS", "0,1,2"), ",")[[1]])  # the paper's seeds
n <- 1000
dim <- 50

# Per-dataset settings are the paper's best (Table S1): corrected effective resistance k = 100 on
# the circle and k = 15 on the linked circles; diffusion k = 15, t = 8 on both.
datasets <- list(
  circle = list(gen = noisy_circle, m = 1L, er_k = 100),
  linked_circles = list(gen = noisy_linked_circles, m = 2L, er_k = 15)
)

distance_for <- function(name, X, cfg) {
  switch(name,
    euclidean = stats::dist(X),
    eff_res = spectral_distances(X, "effective_resistance", k = cfg$er_k, n_threads = 1),
    diffusion = spectral_distances(X, "diffusion", k = 15, t = 8, n_threads = 1))
}

done <- if (file.exists(out)) utils::read.csv(out) else NULL
key <- function(ds, s, sd, dn) paste(ds, sprintf("%.4f", s), sd, dn)
done_keys <- if (is.null(done)) character(0) else key(done$dataset, done$sigma, done$seed, done$distance)

# Order of work: one seed over all noise levels, then the next seed, so an interrupted run still
# has complete curves. Noise-free data differ between seeds only by a rotation (identical
# distances), so sigma = 0 is computed for seed 0 only. NEMBED_SWEEP_DATASETS selects the
# datasets, so two processes can share the work (each appends to the same file).
which_ds <- strsplit(Sys.getenv("NEMBED_SWEEP_DATASETS", "circle,linked_circles"), ",")[[1]]
jobs <- do.call(rbind, lapply(which_ds, function(ds)
  expand.grid(sigma = sigmas, seed = seeds, dataset = ds, stringsAsFactors = FALSE)))
jobs <- jobs[jobs$sigma > 0 | jobs$seed == 0L, ]

for (j in seq_len(nrow(jobs))) {
  ds <- jobs$dataset[j]; s <- jobs$sigma[j]; sd <- jobs$seed[j]
  cfg <- datasets[[ds]]
  X <- NULL
  for (dn in c("euclidean", "eff_res", "diffusion")) {
    if (key(ds, s, sd, dn) %in% done_keys) next
    if (is.null(X)) X <- cfg$gen(n = n, dim = dim, sigma = s, seed = sd)
    t0 <- proc.time()[["elapsed"]]
    d <- suppressWarnings(distance_for(dn, X, cfg))
    ph <- persistent_homology(d, max_dim = 1)
    h1 <- ph[ph$dimension == 1L, ]
    life <- sort(h1$death - h1$birth, decreasing = TRUE)
    row <- data.frame(dataset = ds, n_loops = cfg$m, sigma = s, seed = sd, distance = dn,
                      score = detection_score(ph, n_features = cfg$m, dim = 1),
                      p1 = life[1], p2 = life[2], p3 = life[3], n_h1 = nrow(h1),
                      seconds = round(proc.time()[["elapsed"]] - t0, 1))
    utils::write.table(row, out, sep = ",", row.names = FALSE,
                       col.names = !file.exists(out), append = file.exists(out))
    message(format(Sys.time(), "%H:%M:%S "), paste(unlist(row[c(1, 3:6, 11)]), collapse = " "))
  }
}
