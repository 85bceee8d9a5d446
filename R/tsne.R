#' t-SNE embedding
#'
#' t-distributed stochastic neighbour embedding with the field's current recommendations (Kobak &
#' Berens 2019; FIt-SNE's defaults): perplexity 30 on 3 x perplexity nearest neighbours, PCA
#' initialisation scaled to standard deviation 1e-4, early exaggeration 12 for 250 iterations,
#' learning rate n / 12 during early exaggeration and n after it (openTSNE's rule), momentum 0.5 then 0.8 with delta-bar-delta gains, per-point step
#' clipping and re-centring, 750 iterations in total. The repulsion is computed exactly, by
#' Barnes-Hut, or by FFT-accelerated interpolation (FIt-SNE class, O(n) per iteration), all with
#' the heavy-tailed kernel `(1 + d^2/dof)^-dof`.
#'
#' **Where nembed differs from FIt-SNE and openTSNE, and why.**
#' * Gains: as both references, a coordinate's gain grows by 0.2 when the sign of its gradient
#'   differs from that of its previous update and shrinks to 0.8 times otherwise, with
#'   sign(0) = 0, so the first step has gain 1.2 everywhere; the floor 0.01 is FIt-SNE's clamp
#'   (openTSNE adds 0.01 after the shrink instead).
#' * Learning rate: `"auto"` is n divided by the exaggeration of each phase, with a floor of
#'   50: n / 12 during early exaggeration and n after it (openTSNE's per-phase rule). FIt-SNE
#'   keeps `max(n / 12, 200)` throughout, as nembed's `"auto"` did (n / 12) before this rule;
#'   after the early phase that step leaves the layout under-converged at 750 iterations.
#'   Measured on Fashion-MNIST PCA-50 (`bench/tsne-schedule.R`, 2 threads, seed 1), n / 12 ->
#'   the per-phase rule: at 70,000 points kNN recall 0.367 -> 0.384 and accuracy 0.8425 ->
#'   0.8455 (openTSNE: 0.386 and 0.845); at 10,000 points recall 0.469 -> 0.475 and accuracy
#'   0.809 -> 0.808. It costs time: the layout grows larger and the FFT grid with the square of
#'   its extent, so 10,000 points take 0.71x Rtsne's time instead of 0.42x (idle runs of
#'   `bench/tsne.R`); `learning_rate = max(n / 12, 50)` restores the old speed and layouts.
#'   A number applies to both phases. FIt-SNE (and openTSNE before its
#'   per-phase rule) floor the rate at 200; this matters below 2,400 points only. Measured with
#'   n / 12 throughout on Fashion-MNIST PCA-50 (PCA start, 750 iterations, two disjoint subsets
#'   each; `bench/fidelity-defaults.R`), floor 50 against 200: final KL 0.479 vs 0.480 (n = 500),
#'   0.700 vs 0.697 (1,000), 0.943 vs 0.937 (2,000); kNN accuracy 0.728 vs 0.738, 0.736 vs 0.736,
#'   0.760 vs 0.763. The two are equivalent within this noise, so the floor stays at 50; pass
#'   `learning_rate = max(n / 12, 200)` to match FIt-SNE exactly.
#' * FFT interpolation: FIt-SNE convolves the scalar kernel `t^(dof+1)` with the charges 1 and
#'   y (the forces are `y_i phi_1 - phi_y`: three forward and three inverse transforms in 2-D);
#'   nembed convolves the vector kernels `u_c t^(dof+1)` with the charge 1, whose potentials are
#'   the forces themselves: one forward and two inverse transforms, and one charge to spread
#'   instead of three. Interpolating the vector kernels needs a finer grid for the same accuracy,
#'   hence the default `intervals_per_unit = 1.25` (FIt-SNE: 1): 1.42 times the nodes for half the
#'   transforms. Both compute the same sums up to interpolation error, which here is below
#'   FIt-SNE's (relative error of the repulsion against the exact sum on clustered layouts of
#'   extent 50 to 1,000, `dof` 0.5 and 1, two seeds: 0.49 to 0.95 times its scheme's;
#'   `bench/fft-accuracy.R`, and a test checks it at extent 500). Measured on Fashion-MNIST
#'   PCA-50 (`bench/tsne-breakdown.R`, idle): an iteration at 10,000 points takes 22% less time at
#'   two threads and 30% less at one; at 70,000 points the same at two threads (the larger
#'   transforms are bound by memory bandwidth) and 14% less at one.
#' * FFT near field (not in FIt-SNE): the grid must resolve the kernel near 0, where it varies
#'   on the scale of one unit, so a sparse layout needs many more grid nodes than points (10,000
#'   points spanning 180 units: 670 nodes per dimension). With `near_radius` R (times
#'   `sqrt(dof)`), nembed splits the kernel with a smooth weight S (1 at 0, 0 beyond R): the pairs
#'   closer than R are summed directly, and the grid only interpolates the rest, which is smooth on
#'   the scale of R, on boxes `0.6 * R * 1.25 / intervals_per_unit` wide instead of
#'   `1 / intervals_per_unit` (a ninth of the nodes at R = 4). On a final t-SNE layout of 10,000
#'   Fashion-MNIST points its error against the exact sum is 0.51 times the plain grid's at
#'   `dof = 1` and 0.78 times at `dof = 0.5`, and a test checks that it is no larger on clustered
#'   layouts. The near field's cost grows with the points' density, so every new grid takes the
#'   split only where an estimate of its cost is below the plain grid's, and at the radius R or
#'   0.75 R, whichever the estimate favours (the best radius grows with the points' spacing). At
#'   0.75 R the error is 0.40 to 0.89 times FIt-SNE's scheme's (about the plain grid's), at R 0.26
#'   to 0.66 times (`bench/fft-accuracy.R`, extents 50 to 455). On Fashion-MNIST at 10,000 points
#'   the split is taken from an extent of about 90 units on (0.75 R up to about 140); the
#'   repulsion on the final layout takes 4.4 ms per iteration instead of 36. At 70,000 points it
#'   is taken late in the run, at 0.75 R. The choice depends only on the layout, so results stay
#'   the same for any number of threads. `near_radius = 0` keeps the plain grid; records made
#'   before this option continue with it.
#' * FFT grid: `ceiling(1.1 * extent * intervals_per_unit)` intervals per dimension (at least
#'   `min_intervals`, rounded up to an FFT-friendly size; 1.1 leaves a 5% margin on each side so
#'   the kernels' spectra can be reused), transforms in double precision, and no cap below 2,500
#'   intervals. FIt-SNE takes `max(50, extent)` intervals. The old single-precision grid capped
#'   at 500 intervals was 15 to 100 times less accurate than FIt-SNE's scheme at extents of
#'   1,000 and 2,000. Memory grows with the square of the extent: about 2 GB at an extent of
#'   1,000 and 6.3 GB at 1,820 and beyond, where the cap is reached (FIt-SNE has no cap and
#'   needs more). The transforms are zero-padded to the next length from a short list of lengths
#'   that FFTW's reproducible planning mode handles fast (`kFastLengths` in `inst/include/nembed/tsne_fft.hpp`, measured by
#'   `bench/fft-lengths.cpp`): any padding of at least twice the nodes gives the same convolution,
#'   and on average 16% less transform time (one thread). The grid then takes as many intervals
#'   as that length holds, which refines it at no cost in the transforms. Each pass of a
#'   transform runs in two halves, so two threads share the one forward transform.
#' * Vector instructions: the attraction along P's non-zeros and the near field run four pairs
#'   at a time, with AVX where the CPU has it (chosen at run time; not on Windows, whose GCC
#'   cannot align AVX spills), SSE2 or plain C++ otherwise. All three paths give the same bits,
#'   so results do not depend on the machine's vector width. On a machine whose two threads
#'   share one core, these loops gain nothing from the second thread but 40% from AVX.
#'
#' From 65,536 points on, the optimiser works on the points renumbered along a Hilbert curve of
#' the layout (at the start, every 50 iterations of the early phase and at its end), so that
#' neighbours in P sit close in memory; this halves the time per iteration at a million points.
#' The result is returned in the input's order and differs from an unrenumbered run only by
#' floating-point summation order; it is still the same for any number of threads.
#'
#' @section Where the defaults differ from Rtsne's (checked against Rtsne 0.16):
#' * **Barnes-Hut accuracy.** With `repulsion = "bh"`, a cell of the space-partitioning tree
#'   stands for its points when the cell's *diagonal* is less than `theta` times the distance to
#'   its centre of mass. Rtsne (bhtsne's `SPTree::computeNonEdgeForces`) compares the cell's
#'   largest *half-width* instead (`max_width / sqrt(D) < theta`). The cells here are squares
#'   (cubes in 3-D, and 1-D cells count as squares), whose diagonal is 2 sqrt(2) = 2.83 times the
#'   half-width (2 sqrt(3) = 3.46 in 3-D), so `theta = 0.5` here is as strict as Rtsne's
#'   `theta = 0.18` (0.14 in 3-D): more accurate forces and more work per iteration. Rtsne's
#'   `theta = 0.5` is `theta = sqrt(2)` (1.41) here in 1-D and 2-D, `sqrt(3)` (1.73) in 3-D
#'   (exactly so for square cells; Rtsne's cells are boxes shaped like the layout's bounding box,
#'   judged by their longest side). The stricter default keeps the relative error of the
#'   repulsive forces near 1e-2: `bench/tsne-theta.R` measured 1.1e-2 at `theta = 0.5` and
#'   1.2e-1 at `theta = sqrt(2)`, which took a third of the time (5,000 random points in 2-D).
#'   `theta` plays no part with the default `repulsion = "auto"` above 500 points in 1-D or 2-D,
#'   which uses the FFT.
#' * **The rest:** `n_iter = 750` in all (Rtsne: `max_iter = 1000`), `learning_rate = "auto"`,
#'   i.e. n / 12 then n (Rtsne: `eta = 200`), and `init = "pca"` (Rtsne: random, Gaussian with standard
#'   deviation 1e-4, as `init = "random"` here). Both reduce the data to 50 principal components
#'   first and use `3 * perplexity` neighbours, Rtsne exact ones (a vantage-point tree), nembed
#'   exact ones up to 20,000 points and HNSW's above (99.5% of the exact 90 at 70,000 points; see
#'   the section "Neighbours" of [nembed_embedding]), as openTSNE and FIt-SNE use approximate
#'   ones (Annoy) on large data. Rtsne's `normalize = TRUE` (centre, then divide
#'   by the largest absolute value) changes no perplexity-calibrated affinity, so it needs no
#'   counterpart.
#' * **Rtsne's behaviour:** `embed_tsne(X, repulsion = "bh", theta = sqrt(2), n_iter = 1000,
#'   learning_rate = 200, init = "random")` (with `theta = sqrt(3)` for `n_components = 3`).
#'   Seurat's `RunTSNE()` calls Rtsne with its defaults but `pca = FALSE`, on the chosen
#'   principal components (see [nembed_seurat]).
#'
#' @param X Data: a numeric matrix or data frame (rows are points), a `dgCMatrix`, a `dist`
#'   object, a `nembed_knn` graph, a `nembed_affinities` object (then nothing is rebuilt), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "TSNE")`; see
#'   [nembed_sce]) or a `Seurat` object (stored as `X[["tsne"]]`; see [nembed_seurat]).
#' @param perplexity Perplexity, or several for multi-scale affinities.
#' @param n_components Output dimensions: 1 or 2 with any repulsion; 3 with `"exact"` or `"bh"`.
#' @param init `"pca"` (first principal components divided by the standard deviation of the first
#'   and multiplied by 1e-4; for graph or distance input, where there are no coordinates,
#'   `"spectral"` is used instead), `"spectral"` (Laplacian eigenmaps of P, scaled the same way),
#'   `"random"` (Gaussian with standard deviation 1e-4), or a numeric matrix / `nembed_embedding`
#'   with one row per point (used as given).
#' @param exaggeration Exaggeration after the early phase (1: plain t-SNE; 4 looks like UMAP;
#'   larger values move along the attraction-repulsion spectrum towards Laplacian eigenmaps).
#' @param early_exaggeration,early_iter Exaggeration and number of iterations of the early phase
#'   (left at its default, `early_iter` is capped at `n_iter`).
#' @param n_iter Total number of iterations, early phase included.
#' @param learning_rate A number for both phases, or `"auto"`: `max(n / early_exaggeration, 50)`
#'   during the early phase and `max(n / exaggeration, 50)` after it, i.e. n / 12 then n by
#'   default (openTSNE's rule; FIt-SNE: `max(n / 12, 200)` throughout; see Details).
#' @param momentum,final_momentum Momentum during and after the early phase.
#' @param dof Degree of freedom of the kernel: 1 is t-SNE, larger tends to SNE, below 1 gives
#'   heavier tails and finer clusters.
#' @param repulsion `"fft"`, `"bh"` (Barnes-Hut), `"exact"` or `"auto"` (exact up to 500 points,
#'   then FFT in 1-D and 2-D and Barnes-Hut in 3-D).
#' @param theta Barnes-Hut accuracy (smaller is more accurate): the largest ratio of a cell's
#'   diagonal to its distance; Rtsne's 0.5 is `sqrt(2)` here (see the section on Rtsne).
#' @param n_interp,min_intervals,intervals_per_unit FFT interpolation accuracy: Lagrange nodes per
#'   interval, minimum number of intervals per dimension, intervals per unit of embedding extent
#'   (default 1.25: finer than FIt-SNE's 1, for its vector kernels; see Details).
#' @param near_radius The FFT repulsion's near field (2-D): pairs closer than `near_radius *
#'   sqrt(dof)` (or 0.75 times that, where estimated faster) are summed directly and the rest
#'   interpolated on boxes 0.6 times the radius wide (at the default `intervals_per_unit`; 2.4 at
#'   4, where the plain grid's are 0.8), wherever that is estimated to be faster than the plain
#'   grid; 0 turns it off (FIt-SNE's scheme). See Details.
#' @param affinity `"perplexity"` or `"uniform"` (ignored when `X` is a `nembed_affinities`).
#' @param k Neighbours for the affinities; default `3 * max(perplexity)`.
#' @param pca,pca_dims Reduce data with more than `pca_dims` columns by [pca()] first.
#' @param metric,knn_method Passed to [knn_graph()].
#' @param max_step_norm Largest step a point may take in one iteration.
#' @param eval_every Compute the KL divergence (and report progress) every so many iterations;
#'   it costs one pass over the edges of P, never an O(n^2) pass.
#' @param n_threads Number of threads; see [default_threads()]. Results are identical for any
#'   number of threads (fixed-block reductions; the HNSW index is built in fixed batches,
#'   see [knn_graph()]).
#' @param seed Seed for random initialisation and HNSW; `NULL` draws one from R's RNG.
#' @param verbose Report progress (KL divergence every `eval_every` iterations).
#' @param ... For a `SingleCellExperiment` `X`, the arguments of [nembed_sce] (`dimred`,
#'   `n_dimred`, `assay.type`, `name`, ...); for a `Seurat` object those of [nembed_seurat]
#'   (`reduction`, `dims`, `reduction.name`, ...); otherwise none.
#' @return A `nembed_embedding` data frame (`x`, `y`, and `z` in 3-D). Its record
#'   ([embedding_record()]) holds the parameters, the KL trace (`loss`), timings per phase, the
#'   initialisation and the `affinities` for reuse with [continue_tsne()] or other embeddings.
#'   With the default PCA start on data, the optimiser alone holds P while it runs (R's copy would
#'   add 12 bytes per non-zero to the peak, 1.6 GB at 10^6 points) and the record's `affinities`
#'   are built again from the same kNN graph after it (the same values; booked to the record's
#'   `affinities` time, about 6 s CPU at 200,000 points).
#' @seealso [continue_tsne()] to optimise further (e.g. with late exaggeration).
#' @section Valid ranges: `r range_section("embed_tsne")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_tsne(X, perplexity = 10, n_iter = 500, n_threads = 1, seed = 1)
#' emb
#' knn_accuracy(emb, iris$Species[!duplicated(iris[, 1:4])], n_threads = 1)
embed_tsne <- function(X, ...) UseMethod("embed_tsne")

#' @rdname embed_tsne
#' @export
embed_tsne.default <- function(X, perplexity = 30, n_components = 2, init = "pca",
                               exaggeration = 1, early_exaggeration = 12, early_iter = 250,
                               n_iter = 750, learning_rate = "auto", momentum = 0.5,
                               final_momentum = 0.8, dof = 1,
                               repulsion = c("auto", "fft", "bh", "exact"), theta = 0.5,
                               n_interp = 3, min_intervals = 50, intervals_per_unit = 1.25,
                               near_radius = 4,
                               affinity = c("perplexity", "uniform"), k = NULL, pca = TRUE,
                               pca_dims = 50, metric = "euclidean", knn_method = "auto",
                               max_step_norm = 5, eval_every = 50, n_threads = NULL,
                               seed = NULL, verbose = FALSE, ...) {
  reject_dots("embed_tsne", ...)
  repulsion <- check_choice(repulsion, c("auto", "fft", "bh", "exact"), "repulsion")
  affinity <- check_choice(affinity, c("perplexity", "uniform"), "affinity")
  n_components <- check_count(n_components, "n_components", lower = 1, upper = 3)
  n_iter <- check_count(n_iter, "n_iter", lower = 1)
  early_default <- missing(early_iter)
  early_iter <- check_count(early_iter, "early_iter", lower = 0)
  if (early_default) early_iter <- min(early_iter, n_iter)
  if (early_iter > n_iter) {
    nembed_abort(sprintf("`early_iter` (%d) must not exceed `n_iter` (%d), which counts all iterations.",
                         early_iter, n_iter), "value", "early_iter")
  }
  params <- check_tsne_params(list(
    n_iter = n_iter, early_iter = early_iter, early_exaggeration = early_exaggeration,
    exaggeration = exaggeration, momentum = momentum, final_momentum = final_momentum, dof = dof,
    theta = theta, n_interp = n_interp, min_intervals = min_intervals,
    intervals_per_unit = intervals_per_unit, near_radius = near_radius,
    max_step_norm = max_step_norm,
    eval_every = eval_every))
  ctx <- nembed_context(n_threads, seed, verbose)
  if (!is.numeric(perplexity) || length(perplexity) < 1L || anyNA(perplexity) ||
      any(!is.finite(perplexity)) || any(perplexity <= 1)) {
    nembed_abort("`perplexity` must be one or more finite numbers greater than 1.", "value",
                 "perplexity")
  }

  if (inherits(X, "nembed_affinities")) X <- validate_affinities(X, "X")
  if (inherits(X, "nembed_knn")) X <- validate_knn(X, "X")
  n <- if (inherits(X, c("nembed_affinities", "nembed_knn"))) X$n else n_points(X, "X")
  check_rows(n, "X", 3L)
  if (affinity == "perplexity" && !inherits(X, "nembed_affinities") && max(perplexity) >= n - 1) {
    nembed_abort(sprintf("`perplexity` = %s is too large for %d points: it must be smaller than n - 1 = %d (ideally below (n - 1) / 3).",
                         format(max(perplexity)), n, n - 1L), "size", "perplexity")
  }
  if (!is.null(k)) k <- check_count(k, "k", lower = 1)
  k_aff <- k %||% if (affinity == "perplexity") min(n - 1, floor(3 * max(perplexity))) else min(n - 1, 15)
  if (repulsion == "auto") {
    repulsion <- if (n <= 500) "exact" else if (n_components <= 2) "fft" else "bh"
  }
  if (repulsion == "fft" && n_components > 2) {
    nembed_abort("`repulsion = \"fft\"` supports 1 or 2 output dimensions; use \"bh\" or \"exact\" for 3.",
                 "value", "repulsion")
  }
  params[c("learning_rate", "early_learning_rate", "learning_rate_rule")] <-
    tsne_learning_rate(learning_rate, n, params$early_exaggeration, params$exaggeration)
  params$repulsion <- repulsion
  params <- params[tsne_core_params]
  prep <- prepare_embedding_input(X, k = k_aff, ctx, pca = pca, pca_dims = pca_dims,
                                  metric = metric, knn_method = knn_method)
  # A PCA initialisation needs the data, not P: made before the affinities, its temporaries do not
  # coincide with P (at 10^6 points irlba's take about 1.5 GB, P in R 1.4 GB). Same layout.
  ini_early <- if (identical(init, "pca") && !is.null(prep$data)) {
    stage(ctx, "init", init_layout(init, ctx, NULL, prep$data, n, n_components, scale = "tsne"))
  }
  # When nothing before the optimisation needs P in R (the initialisation is made) and P is large,
  # P is built only as the optimiser holds it, in the core, and the record's P after the
  # optimisation: R's copy (12 bytes per non-zero) then never sits next to the optimiser's (8).
  # Below tsne_core_p_min_edges directed edges the memory saved is small and the second
  # calibration and symmetrisation are not: R's P is built once and shared (the same values).
  p_in_core <- affinity == "perplexity" && is.null(prep$affinities) && !is.null(ini_early) &&
    as.double(n) * k_aff > tsne_core_p_min_edges()
  run_embedding(ctx, "tsne", prep,
    graph = function(prep) {
      if (p_in_core) return(tsne_core_affinities(prep$knn, perplexity, k_aff, ctx))
      prep$affinities %||% affinities(prep$knn, method = affinity, perplexity = perplexity,
                                      k = k_aff, n_threads = ctx$n_threads, verbose = ctx$verbose)
    },
    init = function(prep, P) {
      ini_early %||% init_layout(init, ctx, P, prep$data, n, n_components, scale = "tsne")
    },
    optimise = function(prep, P, Y0) {
      res <- run_tsne_optimizer(ctx, P, Y0, params, iter_offset = 0L)
      res$params$perplexity <- if (affinity == "perplexity") P$perplexity
      res$extra <- c(res$extra, list(reference = prep$reference))
      res
    })
}

# n * k above which embed_tsne() builds P in the core only (tsne_core_affinities()): 10^7 directed
# edges (111,111 points at k = 90) make about 1.45e7 non-zeros, 174 MB as R's dgCMatrix next to
# the optimiser's 116 MB; building the record's P again after the optimisation costs about 1 s at
# 70,000 points (calibration 0.3 s, symmetrisation 0.6 s), 4% of that run. The option
# nembed.tsne_core_p_min_edges (internal) lets the tests take the core route on small data.
tsne_core_p_min_edges <- function() getOption("nembed.tsne_core_p_min_edges", 1e7)

# The perplexity affinities affinities(knn, perplexity = perplexity, k = k) would return, held in
# the core as the optimiser holds them (float values) for run_tsne_optimizer(), which takes them
# over and returns the record's `nembed_affinities` built again from the same graph (the same
# values; at 200,000 points it costs about 5 s and saves 12 bytes per non-zero of P at the peak).
tsne_core_affinities <- function(knn, perplexity, k, ctx) {
  g <- affinity_graph(knn, "perplexity", perplexity, k, ctx$n_threads, ctx$verbose)
  P <- core_call(perplexity_tsne_p_cpp(g$idx, g$dist, list(perplexities = as.numeric(perplexity),
                                                         n_threads = ctx$n_threads)))
  structure(list(core = P, n = g$n, perplexity = perplexity,
                 record = function() build_affinities(g, g$k, "perplexity", perplexity, 1,
                                                      ctx$n_threads, ctx$verbose)),
            class = "nembed_tsne_core_p")
}

# The optimiser's parameters of t-SNE, checked with the ranges embed_tsne() enforces; `prefix`
# names them inside a record (continue_tsne(): "params$dof").
check_tsne_params <- function(p, prefix = "") {
  arg <- function(name) paste0(prefix, name)
  p$early_exaggeration <- check_number(p$early_exaggeration, arg("early_exaggeration"), lower = 0,
                                       lower_open = TRUE)
  p$exaggeration <- check_number(p$exaggeration, arg("exaggeration"), lower = 0, lower_open = TRUE)
  p$momentum <- check_number(p$momentum, arg("momentum"), 0, 1, upper_open = TRUE)
  p$final_momentum <- check_number(p$final_momentum, arg("final_momentum"), 0, 1, upper_open = TRUE)
  p$dof <- check_number(p$dof, arg("dof"), lower = 0, lower_open = TRUE)
  p$theta <- check_number(p$theta, arg("theta"), lower = 0)
  p$n_interp <- check_count(p$n_interp, arg("n_interp"), lower = 2, upper = 20)
  p$min_intervals <- check_count(p$min_intervals, arg("min_intervals"), lower = 10, upper = 2000)
  p$intervals_per_unit <- check_number(p$intervals_per_unit, arg("intervals_per_unit"), lower = 0,
                                       lower_open = TRUE)
  # Records made before the near field have none: they keep the plain grid they were made with.
  if (is.null(p$near_radius)) p$near_radius <- 0
  p$near_radius <- check_number(p$near_radius, arg("near_radius"), lower = 0)
  p$max_step_norm <- check_number(p$max_step_norm, arg("max_step_norm"), lower = 0)
  p$eval_every <- check_count(p$eval_every, arg("eval_every"), lower = 0)
  p
}

# The learning rates of t-SNE (after and during the early phase) and their rule: a number for
# both phases, or "auto" (see ?embed_tsne). The one place they are set.
tsne_learning_rate <- function(learning_rate, n, early_exaggeration, exaggeration) {
  if (identical(learning_rate, "auto")) {
    # openTSNE's per-phase rule: n / (the phase's exaggeration), floor 50. The step shrinks with
    # the attraction's weight so the descent does not oscillate, and grows to n after the early
    # phase, where n / 12 (Kobak & Berens) leaves the layout under-converged (see Details).
    return(list(tsne_auto_learning_rate(n, exaggeration), tsne_auto_learning_rate(n, early_exaggeration),
                "auto"))
  }
  lr <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE)
  list(lr, lr, "fixed")
}

# The "auto" learning rate of a t-SNE phase with the given exaggeration (openTSNE's rule).
tsne_auto_learning_rate <- function(n, exaggeration) max(n / exaggeration, 50)

# The parameters of the optimiser kept in a record (tsne_cpp() reads all but learning_rate_rule; the record's params hold seed, threads and perplexity too).
tsne_core_params <- c("n_iter", "early_iter", "early_exaggeration", "exaggeration",
                      "learning_rate", "early_learning_rate", "learning_rate_rule", "momentum",
                      "final_momentum", "dof", "repulsion", "theta",
                      "n_interp", "min_intervals", "intervals_per_unit", "near_radius", "max_step_norm",
                      "eval_every")

# The optimisation stage of embed_tsne() and continue_tsne(): list(Y, params, loss, loss_name,
# extra) for run_embedding()/new_record(). The loss trace continues `previous_loss`.
run_tsne_optimizer <- function(ctx, P, Y0, params, iter_offset, previous_loss = NULL) {
  tsmessage("t-SNE: ", P$n, " points, ", params$repulsion, " repulsion, ", params$n_iter,
            " iterations, learning rate ", format(params$learning_rate, digits = 4),
            verbose = ctx$verbose)
  # learning_rate_rule is the record's (how continue_tsne() sets the rate), not the optimiser's.
  options <- c(params[setdiff(intersect(tsne_core_params, names(params)), "learning_rate_rule")],
               list(iter_offset = as.integer(iter_offset), n_threads = ctx$n_threads,
                    verbose = ctx$verbose))
  if (inherits(P, "nembed_tsne_core_p")) {
    res <- core_call(tsne_core_cpp(P$core, Y0, options))
    # After the optimiser's P is released; booked to the affinities, not the optimisation.
    P <- stage_within(ctx, "affinities", "optimisation", P$record())
  } else {
    res <- core_call(tsne_cpp(P$P@p, P$P@i, P$P@x, Y0, options))
  }
  loss <- rbind(previous_loss, data.frame(iteration = res$iter, value = res$kl, z = res$Z))
  list(Y = res$Y, params = params, loss = loss, loss_name = "KL divergence",
       extra = list(affinities = P, n_iter_done = iter_offset + params$n_iter))
}

#' Continue optimising a t-SNE embedding
#'
#' Runs more t-SNE iterations from an embedding returned by [embed_tsne()] with the same
#' affinities (nothing is rebuilt), e.g. with late exaggeration, or after changing the kernel's
#' degree of freedom. Momentum is the final momentum; gains restart at 1.
#'
#' An embedding stored in a SingleCellExperiment or Seurat object keeps its record without the
#' affinities ([nembed_sce], [nembed_seurat]); given as `sce_embedding(sce, "TSNE")` or
#' `seurat_embedding(obj, "tsne")`, its affinities are rebuilt from the record's reference data
#' with the recorded perplexity, `k`, kNN method and metric: the same affinities when the kNN
#' was exact (the default below 20,000 points).
#'
#' @param embedding A `nembed_embedding` from [embed_tsne()] or [continue_tsne()], or from
#'   [seurat_embedding()] or [sce_embedding()] of a t-SNE stored by nembed.
#' @param n_iter Number of further iterations.
#' @param exaggeration Exaggeration for these iterations.
#' @param learning_rate `NULL` to keep the previous rule (with `"auto"`, n / `exaggeration`
#'   with a floor of 50) or number, or a number.
#' @param dof `NULL` to keep the previous kernel, or a new degree of freedom.
#' @param n_threads,verbose See [embed_tsne()].
#' @return A new `nembed_embedding` whose loss trace continues the old one.
#' @section Valid ranges: `r range_section("continue_tsne")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_tsne(X, perplexity = 10, n_iter = 300, n_threads = 1, seed = 1)
#' emb4 <- continue_tsne(emb, n_iter = 100, exaggeration = 4, n_threads = 1)
#' tail(embedding_record(emb4)$loss)
continue_tsne <- function(embedding, n_iter = 250, exaggeration = 1, learning_rate = NULL,
                          dof = NULL, n_threads = NULL, verbose = FALSE) {
  rec <- embedding_record(embedding)
  if (!identical(rec$method, "tsne")) {
    nembed_abort("`embedding` must come from embed_tsne() or continue_tsne().", "type", "embedding")
  }
  rec <- validate_tsne_record(rec, "embedding")
  ctx <- nembed_context(n_threads, rec$params$seed %||% rec$seed, verbose)
  # Records of older versions lack early_learning_rate and learning_rate_rule.
  params <- rec$params[intersect(tsne_core_params, names(rec$params))]
  params$n_iter <- check_count(n_iter, "n_iter", lower = 1)
  params$early_iter <- 0L
  params$exaggeration <- check_number(exaggeration, "exaggeration", lower = 0, lower_open = TRUE)
  if (!is.null(learning_rate)) {
    params$learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE)
    params$learning_rate_rule <- "fixed"
  } else if (identical(params$learning_rate_rule, "auto")) {
    params$learning_rate <- tsne_auto_learning_rate(nrow(as.matrix(embedding)), params$exaggeration)
  }
  params$early_learning_rate <- params$learning_rate  # no early phase here
  if (!is.null(dof)) params$dof <- check_number(dof, "dof", lower = 0, lower_open = TRUE)
  Y0 <- unname(as_data_matrix(as.matrix(embedding), "embedding"))
  P <- rec$affinities %||% stage(ctx, "affinities", rebuild_affinities(rec, ctx))
  if (nrow(Y0) != P$n) {
    nembed_abort(sprintf("`embedding` has %d rows but its affinities cover %d points; pass the embedding as returned, not a subset.",
                         nrow(Y0), P$n), "size", "embedding")
  }
  check_init_scale(Y0, "embedding")
  res <- stage(ctx, "optimisation",
               run_tsne_optimizer(ctx, P, Y0, params, iter_offset = rec$n_iter_done,
                                  previous_loss = rec$loss))
  res$params$perplexity <- rec$params$perplexity
  record <- new_record(ctx, "tsne", res$params, rec$init, rec$inputs, loss = res$loss,
                       loss_name = res$loss_name,
                       extra = c(res$extra, list(reference = rec$reference)))
  new_embedding(res$Y, record, row_names = rownames(embedding))
}

# The affinities of a t-SNE record stored without them (in a SingleCellExperiment or Seurat object,
# see sce_record()), rebuilt from its reference data as embed_tsne() built them: the same P when
# the kNN was exact (the default below 20,000 points).
rebuild_affinities <- function(rec, ctx) {
  spec <- rec$spec_affinities
  if (is.null(spec) || is.null(rec$reference)) {
    nembed_abort("`embedding`'s record holds neither its affinities nor the data to rebuild them; pass an embedding returned by embed_tsne() or seurat_embedding()/sce_embedding().",
                 "value", "embedding")
  }
  g <- knn_graph(rec$reference$data, k = spec$k, method = spec$knn_method,
                 metric = spec$metric, n_threads = ctx$n_threads, seed = ctx$seed,
                 verbose = ctx$verbose)
  affinities(g, method = spec$method, perplexity = spec$perplexity %||% 30, k = spec$k,
             n_threads = ctx$n_threads, verbose = ctx$verbose)
}

# Coordinates far beyond any t-SNE scale make the FFT grid huge (or, past its cap, coarse) and the
# optimiser useless (attraction ~ 1/d^2 vanishes), and coinciding points never move: both are refused.
check_init_scale <- function(Y, arg) {
  m <- max(abs(Y))
  if (m > 1e6) {
    nembed_abort(sprintf("`%s` has coordinates as large as %g; t-SNE starts from small coordinates (embed_tsne() scales its own to standard deviation 1e-4): rescale it.",
                         arg, m), "value", arg)
  }
  # Points that all coincide feel no force at all (every difference is zero), so nothing moves.
  check_not_collapsed(Y, arg, "t-SNE")
}
