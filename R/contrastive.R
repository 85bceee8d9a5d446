# Contrastive neighbour embeddings (Damrich, Boehm, Hamprecht & Kobak, ICLR 2023).

#' Contrastive neighbour embeddings: the t-SNE to UMAP spectrum
#'
#' Embeds the binary symmetric kNN graph by one of the contrastive losses of Damrich et al. (2023),
#' with the Cauchy similarity `phi = 1 / (1 + d^2)`, optimised as the authors' library
#' contrastive-ne does it (non-parametric mode), step by step:
#' * every epoch the directed edges of the graph are shuffled and cut into batches of `batch_size`
#'   pairs; the batch's 2 x `batch_size` endpoints form a pool from which each pair's head draws
#'   its `n_negatives` negatives (so negatives are drawn in proportion to the degree, not
#'   uniformly); the draw is made once per epoch and reused by every batch of the epoch;
#' * the loss is summed over the batch and its gradient moves every point it involves: the head,
#'   the tail and each negative (what automatic differentiation does in the reference);
#' * each point's summed gradient is clipped to \[-4, 4\] per coordinate and applied by plain
#'   SGD without momentum, at the learning rate `learning_rate (1 - epoch / n_epochs)`.
#'
#' The losses:
#' * `"neg"`: negative sampling with a fixed normalisation constant `Zbar` (Neg-t-SNE). The
#'   estimator is written in the stable form `1 / (1 + c (d^2 + 1))` with `c = m Zbar / n^2`. `s`
#'   places `Zbar` on a log scale: `log Zbar = (1 - s) log(100 n) + s log(n^2 / 5)`, so `s = 1` is
#'   UMAP-like (`Zbar = n^2 / 5`, UMAP's value for 5 negatives) and `s = 0` gives `Zbar = 100 n`,
#'   the library's stand-in for the partition function of a t-SNE embedding; values beyond both
#'   ends are allowed (larger `s`: more attraction, more compact clusters). With neither `s` nor
#'   `Zbar`, `c = 1` (UMAP-like for any `n_negatives`).
#' * `"nce"`: noise-contrastive estimation with the normalisation learnt (NC-t-SNE, t-SNE-like);
#'   `log Z` starts at 0 (`c = m`) and takes one step per batch, at the constant rate 0.001, with
#'   the batch's gradient clipped to \[-4, 4\], as in the reference.
#' * `"infonce"`: InfoNCE with `n_negatives` negatives (InfoNC-t-SNE); `s` sets the exaggeration
#'   `rho = 4^s` of the attraction (the repulsive log-sum is divided by `rho`); `s = 0` (default)
#'   approximates t-SNE, better with many negatives. The loss carries the reference's factor
#'   `temperature / base_temperature = 0.5`.
#' * `"umap"`: UMAP's loss with `a = b = 1`.
#'
#' Early exaggeration follows the reference: with `early_phase = TRUE` and `s` given (always
#' for `"infonce"`, whose `s` defaults to 0), the first third of the epochs runs at
#' `s = max(s, 1)`; `"nce"`, `"umap"` and `"neg"` without `s` have no early phase. The learning rate
#' decays once over all epochs. The default 750 epochs are the paper's protocol (250 epochs at the
#' UMAP-like end, then 500 at the target). The initialisation is scaled so that the first
#' coordinate has standard deviation 1, as in the reference.
#'
#' **Where to expect t-SNE.** Neg-t-SNE approaches t-SNE when `Zbar` equals the partition sum
#' `sum_{i != j} phi_ij` of a t-SNE embedding of the same data (the paper's `Z^tSNE`). The `s = 0`
#' value `100 n` is the library's heuristic; it fits MNIST at 70,000 points, but on smaller data
#' it is larger than `Z^tSNE` (Fashion-MNIST, 5,000 points: `Z^tSNE = 21.5 n`), so there `s = 0`
#' lies on the UMAP side of t-SNE (tighter clusters). To reproduce the paper's t-SNE end, pass
#' `Zbar = sum(1 / (1 + dist(Y)^2)) * 2` for a t-SNE layout `Y`. The record's `partition_sum`
#' reports the same sum for the result; at convergence it is of the order of `Zbar` (the batch
#' noise distribution and the 2-D layout keep it below `Zbar`), so comparing the two shows where
#' on the spectrum a run has landed.
#'
#' **How close `s = 0` gets to t-SNE, and what it costs.** With 5 negatives, Neg-t-SNE's
#' neighbourhoods are less faithful than t-SNE's, and this is the method's own: on Fashion-MNIST
#' (10,000 points, same graph and start) nembed and a literal transcription of contrastive-ne's
#' SGD give the same result (kNN accuracy 0.746 and 0.744, kNN recall 0.250 and 0.256), against
#' t-SNE's 0.808 and 0.474 (`bench/results/contrastive-reference.md`). `Zbar = Z^tSNE` matches
#' t-SNE's tightness but not its accuracy (0.750 / 0.253); the paper's two-run schedule changes
#' nothing (0.744 / 0.253). The lever is the number of negatives: `n_negatives = 50` gives 0.779 /
#' 0.330 for NEG at `s = 0` and 0.778 / 0.327 for InfoNCE, and 0.783 / 0.357 for NEG with both
#' `Zbar = Z^tSNE` and 50 negatives, at 8 times the CPU time (160 s against 20 s on one thread;
#' t-SNE: 23 s); more epochs change nothing. The default stays at the paper's 5.
#'
#' **Where nembed differs from contrastive-ne.** The reference drops a last batch smaller than
#' `batch_size`; nembed processes it with its own draw of negatives. The reference's linear
#' learning-rate decay stops at a tenth of the initial rate (`lr_min_factor = 0.1`); nembed's
#' reaches 0, as the R transcription it is tested against does (both give the same layouts at
#' 10,000 points, above). Random numbers come from nembed's generator, so results agree with the
#' reference in distribution, not bit for bit (the tests compare with a literal R transcription
#' of the reference). Batches run on one thread unless they hold at least 65,536 pair terms
#' (pairs x (1 + negatives)), where the pairs are split over `n_threads` threads; either way the
#' result is the same for the same `seed` whatever `n_threads` is. [embed_transform()] places new
#' points with the same loss, batches and schedule against the fixed embedding (only the new
#' points move).
#'
#' @inheritParams embed_umap
#' @param loss `"neg"`, `"nce"`, `"infonce"` or `"umap"`.
#' @param s Position on the spectrum (`"neg"`: normalisation constant; `"infonce"`: exaggeration
#'   `4^s`). Not used by `"nce"` and `"umap"`.
#' @param Zbar Fixed normalisation constant for `"neg"` (instead of `s`).
#' @param n_negatives Negatives per positive pair (`m`).
#' @param k Number of nearest neighbours of the kNN graph.
#' @param n_epochs Number of epochs; `NULL` for 750 (the paper's 250 + 500).
#' @param batch_size Positive pairs per SGD step (the paper's runs use 1,024).
#' @param learning_rate Initial SGD learning rate (the reference's 1 for non-parametric embeddings).
#' @param early_phase Run the first third of the epochs at `s = max(s, 1)` (only when `s` is
#'   given, as in the reference).
#' @param early_exaggeration Deprecated name of `early_phase` (t-SNE's `early_exaggeration` is a
#'   factor); it still works, with a warning of class `nembed_deprecated`.
#' @param init `"pca"`, `"spectral"`, `"random"` or a matrix.
#' @param X Data (numeric matrix, data frame, `dgCMatrix`, `dist` or precomputed neighbours), a
#'   `nembed_knn` graph, a `nembed_affinities` object (its graph is used, binarised), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "CONTRASTIVE")`; see
#'   [nembed_sce]) or a `Seurat` object (stored as `X[["contrastive"]]`; see [nembed_seurat]).
#' @return A `nembed_embedding` (see [nembed_embedding]); its record holds the parameters, the final
#'   `c` and the equivalent `Zbar = c n^2 / m` (learnt for `"nce"`, with `log_z`), the partition
#'   sum `partition_sum` = sum over `i != j` of `1 / (1 + d_ij^2)` of the result (exact up to 5,000
#'   points, else estimated from 2,000 evenly spaced rows), timings and, when made from data, the
#'   reference data [embed_transform()] needs to place new points.
#' @references Damrich, Boehm, Hamprecht & Kobak (2023). From t-SNE to UMAP with contrastive
#'   learning. ICLR.
#' @section Valid ranges: `r range_section("embed_contrastive")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' emb <- embed_contrastive(X, loss = "neg", s = 0.5, n_epochs = 60, n_threads = 1, seed = 1)
#' plot(emb, color = iris$Species[!duplicated(iris[, 1:4])])
embed_contrastive <- function(X, ...) UseMethod("embed_contrastive")

#' @rdname embed_contrastive
#' @export
embed_contrastive.default <- function(X, loss = c("neg", "nce", "infonce", "umap"), s = NULL,
                                      Zbar = NULL, n_negatives = 5, k = 15, n_epochs = NULL,
                                      learning_rate = 1, batch_size = 1024,
                                      early_phase = TRUE, init = "pca",
                                      pca = TRUE, n_components = 2, n_threads = NULL, seed = NULL,
                                      verbose = FALSE, ..., early_exaggeration = NULL) {
  reject_dots("embed_contrastive", ...)
  # Renamed for the family contract: early_exaggeration is t-SNE's factor (a number) everywhere.
  if (!is.null(early_exaggeration)) {
    early_phase <- renamed_arg(early_exaggeration, "early_exaggeration", "early_phase",
                               "embed_contrastive")
  }
  loss <- check_choice(loss, c("neg", "nce", "infonce", "umap"), "loss")
  check_flag(early_phase, "early_phase")
  s <- check_number(s, "s", allow_null = TRUE)
  Zbar <- check_number(Zbar, "Zbar", lower = 0, lower_open = TRUE, allow_null = TRUE)
  if (!is.null(s) && !is.null(Zbar)) {
    nembed_abort("Give `s` or `Zbar`, not both.", "value", "Zbar")
  }
  if (!is.null(Zbar) && loss != "neg") {
    nembed_abort("`Zbar` applies only to `loss = \"neg\"`.", "value", "Zbar")
  }
  n_negatives <- check_count(n_negatives, "n_negatives")
  k <- check_count(k, "k")
  n_epochs <- check_count(n_epochs, "n_epochs", allow_null = TRUE)
  batch_size <- check_count(batch_size, "batch_size")
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE,
                                upper = 1e6)
  n_components <- check_count(n_components, "n_components")
  check_init_arg(init)
  ctx <- nembed_context(n_threads, seed, verbose)

  prep <- prepare_embedding_input(X, k = k, ctx, pca = pca)
  n <- prep$n
  check_components(n_components, n)
  if (is.null(n_epochs)) n_epochs <- 750L
  run_embedding(ctx, "contrastive", prep,
    graph = function(prep) contrastive_graph(prep, k, ctx),
    init = function(prep, W) init_layout(init, ctx, W, prep$data, n, n_components, "sd1"),
    optimise = function(prep, W, Y0) {
      m <- n_negatives
      sp <- contrastive_spec(loss, s, Zbar, m, n, n_epochs, early_phase)
      s <- sp$s
      spec <- sp$spec
      spec_early <- sp$spec_early
      n_early <- sp$n_early
      tsmessage("contrastive (", loss, "): ", n_epochs, " epochs (", n_early, " early), batches of ",
                batch_size, verbose = ctx$verbose)
      ini <- list(Y = Y0)
      seed <- ctx$seed
      n_threads <- ctx$n_threads
      verbose <- ctx$verbose
      r <- core_call(contrastive_sgd_cpp(ini$Y, W, list(
        loss = loss, n_epochs = n_epochs, n_early = n_early, spec = spec, spec_early = spec_early,
        log_z0 = 0, n_negatives = m, batch_size = batch_size, learning_rate = learning_rate,
        seed = seed, n_threads = n_threads, verbose = verbose)))
      c_final <- if (loss %in% c("neg", "nce")) r$c else NA_real_
      list(Y = r$Y,
           params = list(loss = loss, s = s, Zbar = Zbar, n_negatives = m, k = k,
                         n_epochs = n_epochs, n_early = n_early, batch_size = batch_size,
                         learning_rate = learning_rate, n_components = n_components),
           extra = list(c = c_final, Zbar = if (is.na(c_final)) NA_real_ else c_final * n^2 / m,
                        partition_sum = r$partition_sum,
                        log_z = if (loss == "nce") r$log_z else NA_real_,
                        rho = if (loss == "infonce") spec else NA_real_,
                        graph = W, knn = prep$knn, reference = prep$reference))
    })
}

# The spectrum parameter of a contrastive loss (NEG: the normalisation c = m Zbar / n^2; NCE: m;
# InfoNCE: rho = 4^s), and that of the early phase: list(s, spec, spec_early, n_early).
contrastive_spec <- function(loss, s, Zbar, m, n, n_epochs, early_phase) {
  # contrastive-ne's process_spec_param: Zbar from s on a log scale, c = m Zbar / n^2; rho = 4^s.
  neg_c <- function(s) m * exp((1 - s) * log(100 * n) + s * log(n^2 / 5) - 2 * log(n))
  if (loss == "infonce" && is.null(s)) s <- 0  # the reference's default: t-SNE-like
  spec <- switch(loss,
    neg = if (!is.null(Zbar)) m * Zbar / n^2 else if (!is.null(s)) neg_c(s) else 1,
    nce = m, infonce = 4^s, umap = 1)
  # Early exaggeration as in the reference: NEG and InfoNCE, only with `s`, at max(s, 1).
  n_early <- 0L
  spec_early <- spec
  if (early_phase && loss %in% c("neg", "infonce") && !is.null(s)) {
    n_early <- n_epochs %/% 3L
    spec_early <- if (loss == "neg") neg_c(max(s, 1)) else 4^max(s, 1)
  }
  list(s = s, spec = spec, spec_early = spec_early, n_early = n_early)
}

# The binary symmetric kNN graph the contrastive embeddings and ForceAtlas2 optimise on (from
# given affinities: their pattern).
contrastive_graph <- function(prep, k, ctx, binary = TRUE) {
  if (!is.null(prep$knn)) return(as_weight_matrix(binary_knn_graph(prep$knn, k, ctx$n_threads), "X"))
  P <- as_weight_matrix(prep$affinities$P, "X")
  if (binary) P@x[] <- 1
  P
}
