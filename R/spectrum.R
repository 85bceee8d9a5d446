# One call that walks the attraction-repulsion spectrum (Boehm, Berens & Kobak 2022) or the
# contrastive spectrum (Damrich et al. 2023) on one shared graph.

#' Embeddings along the attraction-repulsion or the contrastive spectrum
#'
#' Runs t-SNE ([embed_tsne()]) for each exaggeration in `exaggeration`, on ONE affinity matrix
#' computed once, or, when `s` is given, the contrastive embedding [embed_contrastive()] with
#' `loss` for each value of `s`, on ONE kNN graph. The first run starts from PCA (with early
#' exaggeration); each further run starts from the previous panel's coordinates, so orientation
#' stays consistent across panels, and skips the early phase. Values are run in the order given
#' (sort them to walk the spectrum from one end). Optional extra panels place UMAP, ForceAtlas2 and
#' Laplacian eigenmaps beside them, on the same kNN graph.
#'
#' Along increasing exaggeration t-SNE moves from cluster separation towards continuity: kNN recall
#' falls and distance correlation rises; UMAP sits near exaggeration 4, ForceAtlas2 near 30 and
#' Laplacian eigenmaps at the infinite end. On the contrastive spectrum, larger `s` (larger fixed
#' normalisation) gives more attraction and more compact clusters.
#'
#' @param X Data (numeric matrix, data frame, `dgCMatrix`), a `nembed_knn` graph, (for the
#'   exaggeration spectrum) a `nembed_affinities` object, or a `SingleCellExperiment`: then every
#'   panel is stored as a reduced dimension of its own (`"TSNE_exaggeration_4"`, `"NEG_s_0.5"`,
#'   `"UMAP"`, `"FA2"`, `"LAPLACIAN"`) and `X` is returned; see [nembed_sce] (and [nembed_seurat]
#'   for a `Seurat` object).
#' @param exaggeration Exaggeration factors of the t-SNE spectrum.
#' @param s Values of `s` for the contrastive spectrum (see [embed_contrastive()]); when given,
#'   `exaggeration` is ignored.
#' @param loss Contrastive loss for the `s` spectrum.
#' @param perplexity Perplexity of the t-SNE affinities.
#' @param k Neighbours of the contrastive kNN graph and the extra panels.
#' @param extra Extra panels: any of `"umap"`, `"fa2"`, `"laplacian"`.
#' @param pca Reduce data with more than 50 columns to 50 principal components first.
#' @param n_threads,seed,verbose See [embed_tsne()].
#' @param ... Passed to [embed_tsne()] or [embed_contrastive()] (e.g. `n_iter`, `n_epochs`); for
#'   a `SingleCellExperiment` `X` also the arguments of [nembed_sce] (for a `Seurat` object, of
#'   [nembed_seurat]).
#' @return A data frame of class `nembed_spectrum` with one row per point and panel: `x`, `y`,
#'   `id` (point index), the spectrum parameter (`exaggeration` or `s`; `NA` for extra panels),
#'   `method` and `panel` (a factor in run order, for `ggplot2::facet_wrap(~panel)`). The run
#'   records are in `attr(, "records")`, the input after PCA in `attr(, "data")`.
#' @section Valid ranges: `r range_section("embed_spectrum")`
#' @export
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' sp <- embed_spectrum(X, s = c(0, 1), n_epochs = 60, k = 10, n_threads = 1, seed = 1)
#' head(sp)
#' table(sp$panel)
embed_spectrum <- function(X, ...) UseMethod("embed_spectrum")

#' @rdname embed_spectrum
#' @export
embed_spectrum.default <- function(X, exaggeration = c(1, 2, 4, 8, 16, 32), s = NULL,
                                   loss = "neg", perplexity = 30, k = 15, extra = character(),
                                   pca = TRUE, n_threads = NULL, seed = NULL, verbose = FALSE,
                                   ...) {
  ctx <- nembed_context(n_threads, seed, verbose)
  n_threads <- ctx$n_threads
  seed <- ctx$seed
  perplexity <- check_number(perplexity, "perplexity", lower = 1, lower_open = TRUE)
  k <- check_count(k, "k")
  extra <- if (length(extra)) vapply(extra, check_choice, character(1),
                                     choices = c("umap", "fa2", "laplacian"), arg = "extra")
           else character()
  contrastive <- !is.null(s)
  values <- if (contrastive) s else exaggeration
  if (!is.numeric(values) || length(values) < 1L || anyNA(values) || any(!is.finite(values))) {
    nembed_abort(sprintf("`%s` must be a vector of finite numbers.",
                         if (contrastive) "s" else "exaggeration"), "value",
                 if (contrastive) "s" else "exaggeration")
  }
  if (!contrastive && any(values <= 0)) {
    nembed_abort("`exaggeration` must be positive.", "value", "exaggeration")
  }
  k_graph <- if (contrastive) k else max(k, floor(3 * perplexity))
  prep <- prepare_embedding_input(X, k = k_graph, ctx, pca = pca)
  n <- prep$n
  # One PCA start for every panel (each method picks its own start without one).
  pca_start <- pca_layout(prep$data, 2L, "sd1", ctx)
  records <- list()
  panels <- list()
  prev <- NULL
  if (contrastive) {
    g <- prep$knn
    for (v in values) {
      tsmessage("spectrum: ", loss, " s = ", v, verbose = verbose)
      init <- if (is.null(prev)) pca_start %||% "random" else prev
      emb <- embed_contrastive(g, loss = loss, s = v, k = k, init = init,
                               early_phase = is.null(prev), n_threads = n_threads,
                               seed = seed, verbose = verbose, ...)
      prev <- as.matrix(emb)
      records[[length(records) + 1L]] <- embedding_record(emb)
      panels[[length(panels) + 1L]] <- data.frame(x = prev[, 1], y = prev[, 2], id = seq_len(n),
                                                  s = v, method = paste0("contrastive-", loss),
                                                  panel = sprintf("s = %s", format(v)))
    }
  } else {
    aff <- prep$affinities %||% affinities(prep$knn, method = "perplexity",
                                           perplexity = perplexity, n_threads = n_threads,
                                           verbose = verbose)
    for (rho in values) {
      tsmessage("spectrum: t-SNE exaggeration ", rho, verbose = verbose)
      args <- list(aff, exaggeration = rho, n_threads = n_threads, seed = seed, verbose = verbose,
                   ...)
      if (is.null(prev)) {
        if (!is.null(pca_start)) args$init <- pca_start * 1e-4
      } else {
        # The previous panel's layout, shrunk to t-SNE's starting scale (sd 1e-4): the panels share
        # their orientation, and each converges from the usual scale at its own learning rate
        # (n / exaggeration) instead of first having to undo the previous panel's extent.
        args$init <- prev / stats::sd(prev[, 1]) * 1e-4
        args$early_iter <- 0
      }
      emb <- do.call(embed_tsne, args)
      prev <- as.matrix(emb)
      records[[length(records) + 1L]] <- embedding_record(emb)
      panels[[length(panels) + 1L]] <- data.frame(x = prev[, 1], y = prev[, 2], id = seq_len(n),
                                                  exaggeration = rho, method = "tsne",
                                                  panel = sprintf("exaggeration %s", format(rho)))
    }
  }
  param <- if (contrastive) "s" else "exaggeration"
  g <- if (!is.null(prep$knn)) truncate_knn(prep$knn, min(k, prep$knn$k)) else NULL
  for (m in extra) {
    if (is.null(g)) break
    emb <- switch(m,
      umap = embed_umap(g, k = min(k, g$k), n_threads = n_threads, seed = seed),
      fa2 = embed_fa2(g, k = min(k, g$k), init = pca_start %||% "random", n_threads = n_threads,
                      seed = seed),
      laplacian = embed_laplacian(g, k = min(k, g$k), n_threads = n_threads, seed = seed))
    Y <- as.matrix(emb)
    records[[length(records) + 1L]] <- embedding_record(emb)
    df <- data.frame(x = Y[, 1], y = Y[, 2], id = seq_len(n), v = NA_real_, method = m,
                     panel = c(umap = "UMAP", fa2 = "ForceAtlas2", laplacian = "Laplacian eigenmaps")[[m]])
    names(df)[4] <- param
    panels[[length(panels) + 1L]] <- df
  }
  out <- do.call(rbind, panels)
  out$panel <- factor(out$panel, levels = unique(out$panel))
  rownames(out) <- NULL
  attr(out, "records") <- records
  attr(out, "data") <- prep$data
  class(out) <- c("nembed_spectrum", "data.frame")
  out
}

#' @method print nembed_spectrum
#' @export
print.nembed_spectrum <- function(x, ...) {
  cat(sprintf("<nembed_spectrum> %d panels of %d points: %s\n", nlevels(x$panel),
              nrow(x) / max(1, nlevels(x$panel)), paste(levels(x$panel), collapse = ", ")))
  print(utils::head(as.data.frame(unclass(x))[, names(x)]), ...)
  invisible(x)
}
