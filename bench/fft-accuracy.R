# Issue 18, point 6: accuracy of the FFT repulsion at large extents. Relative error (Frobenius,
# over all points) of the repulsive part of the t-SNE gradient against the exact sum, for nembed
# (the installed version) and for FIt-SNE's scheme (its interval rule, no cap, double precision;
# tests/testthat/helper-fft.R), on clustered layouts of a given extent (fft_test_layout()).
# Run from the repository root:
#   R_LIBS=<lib> NEMBED_EXTENTS=50,200,455,1000,2000 NEMBED_SEEDS=1,2 Rscript bench/fft-accuracy.R
# Optional: NEMBED_IPU (intervals_per_unit passed to nembed; default embed_tsne()'s), NEMBED_N (points, default 200),
# NEMBED_FITSNE=0 to skip the (slow, dense) FIt-SNE reference, NEMBED_NEAR (the near/far split's
# radius, default embed_tsne()'s; the split is forced on, "near" column). Prints one line per case.
suppressPackageStartupMessages(library(nembed))
source("tests/testthat/helper-fft.R")
num_env <- function(name, default) as.numeric(strsplit(Sys.getenv(name, default), ",")[[1]])
extents <- num_env("NEMBED_EXTENTS", "50,200,455,1000,2000")
seeds <- num_env("NEMBED_SEEDS", "1")
n <- num_env("NEMBED_N", "200")
# nembed's default grid unless NEMBED_IPU says otherwise (embed_tsne()'s intervals_per_unit).
ipu <- num_env("NEMBED_IPU", as.character(formals(nembed:::embed_tsne.default)$intervals_per_unit))
with_fitsne <- Sys.getenv("NEMBED_FITSNE", "1") != "0"
near <- num_env("NEMBED_NEAR", as.character(formals(nembed:::embed_tsne.default)$near_radius))
cat(sprintf("nembed %s from %s\n", utils::packageVersion("nembed"), find.package("nembed")))
for (E in extents) for (s in seeds) for (dof in c(0.5, 1)) {
  Y <- fft_test_layout(n, E, seed = s)
  ex <- ref_repulsion_exact(Y, dof)
  fi <- if (with_fitsne) rel_error(ref_repulsion_fitsne(Y, dof), ex) else NA
  t0 <- proc.time()[["elapsed"]]
  g <- nembed_repulsion(Y, dof, intervals_per_unit = ipu)
  secs <- proc.time()[["elapsed"]] - t0
  gn <- nembed_repulsion(Y, dof, intervals_per_unit = ipu, near_radius = near, near_always = TRUE)
  cat(sprintf("extent %5g seed %d dof %.1f  FIt-SNE scheme %.4f  nembed %.4f  ratio %.2f  near %.4f  ratio %.2f  (nembed %.1f s)\n",
              E, s, dof, fi, rel_error(g, ex), rel_error(g, ex) / fi, rel_error(gn, ex),
              rel_error(gn, ex) / fi, secs))
}
