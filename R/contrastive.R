# Contrastive neighbour embeddings (Damrich, Boehm, Hamprecht & Kobak, ICLR 2023).

#' Contrastive neighbour embeddings: the t-SNE to UMAP spectrum
#'
#' Embeds the binary symmetric kNN graph by one of the contrastive losses of Damrich et al. (2023),
#' with the Cauchy similarity `phi = 1 / (1 + d^2)`, optimised by the same edge-sampling SGD as
#' [embed_umap()] (every directed edge once per epoch, `n_negatives` negatives drawn uniformly from
#' all points, gradients clipped to \[-4, 4\], linearly decaying learning rate):
#' * `"neg"`: negative sampling with a fixed normalisation constant `Zbar` (Neg-t-SNE). The
#'   estimator is written in the stable form `1 / (1 + c (d^2 + 1))` with `c = m Zbar / n^2`. `s`
#'   places `Zbar` on a log scale: `log Zbar = (1 - s) log(100 n) + s log(n^2 / 5)`, so `s = 0`
#'   is t-SNE-like (`Zbar = 100 n`, close to the partition function of a t-SNE embedding) and
#'   `s = 1` UMAP-like (`Zbar = n^2 / 5`, UMAP's value for 5 negatives); values beyond both ends
#'   are allowed (larger `s`: more attraction, more compact clusters). With neither `s` nor `Zbar`,
#'   `c = 1` (UMAP-like for any `n_negatives`).
#' * `"nce"`: noise-contrastive estimation with the normalisation learnt (NC-t-SNE, t-SNE-like);
#'   `log Z` starts at 0 (`c = m`) and takes one step per epoch with the epoch's mean gradient.
#' * `"infonce"`: InfoNCE with `n_negatives` negatives (InfoNC-t-SNE); `s` sets the exaggeration
#'   `rho = 4^s` of the attraction (the repulsive log-sum is divided by `rho`); `s = 0` (default)
#'   approximates t-SNE, better with many negatives.
#' * `"umap"`: UMAP's loss with `a = b = 1`.
#'
#' With `early_exaggeration = TRUE` the first third of the epochs of `"neg"` and `"infonce"` runs
#' at the UMAP-like end of the spectrum (`s = max(s, 1)`), as the authors recommend; the learning
#' rate decays linearly to 0 within each phase. The initialisation is scaled so that the first
#' coordinate has standard deviation 1.
#'
#' Only the head of each sampled pair moves, which keeps the attraction/repulsion balance of the
#' authors' automatic-differentiation updates (see `inst/include/nembed/contrastive.hpp`) and makes
#' the result identical for the same `seed` whatever `n_threads` is.
#'
#' @inheritParams embed_umap
#' @param loss `"neg"`, `"nce"`, `"infonce"` or `"umap"`.
#' @param s Position on the spectrum (`"neg"`: normalisation constant; `"infonce"`: exaggeration
#'   `4^s`). Not used by `"nce"` and `"umap"`.
#' @param Zbar Fixed normalisation constant for `"neg"` (instead of `s`).
#' @param n_negatives Negatives per positive pair (`m`).
#' @param k Number of nearest neighbours of the kNN graph.
#' @param n_epochs Number of epochs; `NULL` for 500 with up to 10,000 points and 250 above.
#' @param early_exaggeration Run the first third of the epochs at the UMAP-like end.
#' @param init `"pca"`, `"spectral"`, `"random"` or a matrix.
#' @param X Data (numeric matrix, data frame, `dgCMatrix`, `dist` or precomputed neighbours), a
#'   `nembed_knn` graph, a `nembed_affinities` object (its graph is used, binarised), or a
#'   `SingleCellExperiment` (the result is then stored as `reducedDim(X, "CONTRASTIVE")`; see
#'   [nembed_sce]).
#' @return A `nembed_embedding` (see [nembed_embedding]); its record holds the parameters, the final
#'   `c` and the equivalent `Zbar = c n^2 / m` (learnt for `"nce"`), timings and, when made from
#'   data, the reference data [embed_transform()] needs to place new points.
#' @references Damrich, Boehm, Hamprecht & Kobak (2023). From t-SNE to UMAP with contrastive
#'   learning. ICLR.
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
                                      learning_rate = 1, early_exaggeration = TRUE, init = "pca",
                                      pca = TRUE, n_components = 2, n_threads = NULL, seed = NULL,
                                      verbose = FALSE, ...) {
  reject_dots("embed_contrastive", ...)
  t_start <- proc.time()[["elapsed"]]
  loss <- check_choice(loss, c("neg", "nce", "infonce", "umap"), "loss")
  n_threads <- default_threads(n_threads)
  check_flag(verbose, "verbose")
  check_flag(early_exaggeration, "early_exaggeration")
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
  learning_rate <- check_number(learning_rate, "learning_rate", lower = 0, lower_open = TRUE,
                                upper = 1e6)
  n_components <- check_count(n_components, "n_components")
  check_init_arg(init)
  seed <- resolve_seed(seed)

  prep <- prepare_embedding_input(X, k = k, pca = pca, n_threads = n_threads, seed = seed,
                                  verbose = verbose)
  n <- prep$n
  check_components(n_components, n)
  timings <- prep$timings
  W <- if (!is.null(prep$knn)) binary_knn_graph(prep$knn, k, n_threads) else {
    P <- as_weight_matrix(prep$affinities$P, "X")
    P@x[] <- 1
    P
  }
  W <- as_weight_matrix(W, "X")
  if (is.null(n_epochs)) n_epochs <- if (n <= 10000) 500L else 250L

  t0 <- proc.time()[["elapsed"]]
  ini <- initial_layout(init, W, prep$data, n, n_components, seed, n_threads, scale = "sd1",
                        verbose = verbose)
  timings$init <- proc.time()[["elapsed"]] - t0

  m <- n_negatives
  neg_c <- function(s) m * exp((1 - s) * log(100 * n) + s * log(n^2 / 5) - 2 * log(n))
  main <- switch(loss,
    neg = list(code = 0L, c = if (!is.null(Zbar)) m * Zbar / n^2 else if (!is.null(s)) neg_c(s) else 1,
               rho = 1),
    nce = list(code = 1L, c = m, rho = 1),
    infonce = list(code = 2L, c = 1, rho = 4^(s %||% 0)),
    umap = list(code = 3L, c = 1, rho = 1))
  early <- NULL
  n_early <- 0L
  if (early_exaggeration && loss %in% c("neg", "infonce")) {
    n_early <- n_epochs %/% 3L
    early <- main
    if (loss == "neg") early$c <- max(main$c, neg_c(1))
    if (loss == "infonce") early$rho <- 4^max(s %||% 0, 1)
  }
  t0 <- proc.time()[["elapsed"]]
  Y <- ini$Y
  if (n_early > 0) {
    tsmessage("contrastive (", loss, "): early phase, ", n_early, " epochs", verbose = verbose)
    r <- contrastive_sgd_cpp(Y, W@p, W@i, W@x, early$code, n_early, early$c, early$rho, m,
                             learning_rate, seed %% 2^53, 0, n_threads, verbose)
    Y <- r$Y
  }
  tsmessage("contrastive (", loss, "): ", n_epochs - n_early, " epochs", verbose = verbose)
  r <- contrastive_sgd_cpp(Y, W@p, W@i, W@x, main$code, n_epochs - n_early, main$c, main$rho, m,
                           learning_rate, seed %% 2^53, 2^40, n_threads, verbose)
  timings$optimize <- proc.time()[["elapsed"]] - t0
  timings$total <- proc.time()[["elapsed"]] - t_start
  c_final <- if (loss %in% c("neg", "nce")) r$c else NA_real_
  record <- list(method = "contrastive",
                 params = list(loss = loss, s = s, Zbar = Zbar, n_negatives = m, k = k,
                               n_epochs = n_epochs, n_early = n_early,
                               learning_rate = learning_rate, n_components = n_components,
                               seed = seed, n_threads = n_threads),
                 c = c_final, Zbar = if (is.na(c_final)) NA_real_ else c_final * n^2 / m,
                 rho = if (loss == "infonce") main$rho else NA_real_,
                 init = ini$method, timings = timings, graph = W, knn = prep$knn,
                 reference = prep$reference)
  new_embedding(r$Y, record, prep$row_names)
}
