# Bit-identity guard for refactors: runs every numerical path at fixed seeds and thread counts,
# saves the raw numbers ("save DIR"), or compares a new build's numbers with identical() against
# a saved set ("compare DIR"). Only numbers are compared (coordinates, graphs, distances), not the
# records around them, so a refactor may change the record schema but not one bit of a result.
#   Rscript tools/identity-check.R save /tmp/identity-before     # on the old build
#   Rscript tools/identity-check.R compare /tmp/identity-before  # on the new build
suppressPackageStartupMessages(library(nembed))
args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2 || !args[1] %in% c("save", "compare")) stop("usage: identity-check.R save|compare DIR")
mode <- args[1]; dir <- args[2]

set.seed(42)
centres <- matrix(rnorm(6 * 20, sd = 1.2), 6)
X <- centres[rep(1:6, each = 100), ] + matrix(rnorm(600 * 20), 600)
circle <- as.matrix(noisy_circle(n = 300, dim = 50, sigma = 0.2, seed = 5))
Xnew <- X[1:40, ] + 0.01
coords <- function(e) as.matrix(e[, grep("^(x|y|dim|V)[0-9]*$", names(e)), drop = FALSE])
unsparse <- function(P) if (inherits(P, "Matrix")) list(P@p, P@i, P@x) else P

make_cases <- function(th) {
  cases <- list()
  tag <- paste0("_t", th)
  g <- knn_graph(X, k = 15, method = "exact", n_threads = th)
  cases[[paste0("knn_exact", tag)]] <- function() { g <- knn_graph(X, k = 15, method = "exact", n_threads = th); list(g$idx, g$dist) }
  cases[[paste0("knn_hnsw", tag)]] <- function() { g <- knn_graph(X, k = 15, method = "hnsw", n_threads = th, seed = 1); list(g$idx, g$dist) }
  for (kind in c("perplexity", "uniform", "umap")) local({
    kind <- kind
    cases[[paste0("affinities_", kind, tag)]] <<- function() unsparse(affinities(g, method = kind, perplexity = 5, n_threads = th)$P)
  })
  cases[[paste0("tsne_fft", tag)]] <- function() coords(embed_tsne(X, seed = 1, n_threads = th, n_iter = 300))
  cases[[paste0("tsne_bh", tag)]] <- function() coords(embed_tsne(X, seed = 1, n_threads = th, n_iter = 300, repulsion = "bh"))
  cases[[paste0("tsne_exact", tag)]] <- function() coords(embed_tsne(X[1:200, ], seed = 1, n_threads = th, n_iter = 200, repulsion = "exact"))
  cases[[paste0("tsne_heavy", tag)]] <- function() coords(embed_tsne(X, seed = 1, n_threads = th, n_iter = 300, dof = 0.5))
  cases[[paste0("tsne_random_init", tag)]] <- function() coords(embed_tsne(X, seed = 2, n_threads = th, n_iter = 200, init = "random"))
  cases[[paste0("tsne_continue", tag)]] <- function() coords(continue_tsne(embed_tsne(X, seed = 1, n_threads = th, n_iter = 200), n_iter = 50))
  cases[[paste0("umap", tag)]] <- function() coords(embed_umap(X, seed = 1, n_threads = th, n_epochs = 100))
  for (loss in c("neg", "nce", "infonce", "umap")) local({
    loss <- loss
    cases[[paste0("contrastive_", loss, tag)]] <<- function() coords(embed_contrastive(X, loss = loss, seed = 1, n_threads = th, n_epochs = 30))
  })
  cases[[paste0("contrastive_neg_s05", tag)]] <- function() coords(embed_contrastive(X, loss = "neg", s = 0.5, seed = 1, n_threads = th, n_epochs = 30))
  cases[[paste0("parametric", tag)]] <- function() coords(embed_parametric(X, hidden = c(16, 16), n_epochs = 5, batch_size = 256, seed = 1, n_threads = th))
  cases[[paste0("fa2", tag)]] <- function() coords(embed_fa2(X, seed = 1, n_threads = th, n_iter = 100))
  cases[[paste0("laplacian", tag)]] <- function() coords(embed_laplacian(X, seed = 1, n_threads = th))
  cases[[paste0("spectrum", tag)]] <- function() lapply(embed_spectrum(X, exaggeration = c(1, 4), seed = 1, n_threads = th), function(e) if (is.data.frame(e)) coords(e) else e)
  cases[[paste0("spectral_resistance", tag)]] <- function() as.vector(spectral_distances(circle, method = "effective_resistance", n_threads = th))
  cases[[paste0("spectral_diffusion", tag)]] <- function() as.vector(spectral_distances(circle, method = "diffusion", n_threads = th))
  cases[[paste0("pca", tag)]] <- function() { p <- pca(X, n_components = 5, n_threads = th); lapply(p, function(v) if (is.numeric(v)) abs(v) else NULL) }
  cases[[paste0("transform_tsne", tag)]] <- function() coords(embed_transform(embed_tsne(X, seed = 1, n_threads = th, n_iter = 200), Xnew, n_threads = th))
  cases[[paste0("transform_umap", tag)]] <- function() coords(embed_transform(embed_umap(X, seed = 1, n_threads = th, n_epochs = 50), Xnew, n_threads = th, seed = 1))
  cases[[paste0("wasserstein", tag)]] <- function() {
    groups <- rep(seq_len(30), each = 20)
    unclass(wasserstein_distances(X, groups = groups, method = "gaussian", n_threads = th))
  }
  cases
}
cases <- c(make_cases(1L), make_cases(2L))

dir.create(dir, showWarnings = FALSE, recursive = TRUE)
bad <- 0L
for (nm in names(cases)) {
  f <- cases[[nm]]
  val <- tryCatch(f(), error = function(e) structure(conditionMessage(e), class = "identity_error"))
  path <- file.path(dir, paste0(nm, ".rds"))
  if (mode == "save") {
    saveRDS(val, path)
    cat(sprintf("%-28s saved%s\n", nm, if (inherits(val, "identity_error")) paste0(" (error: ", val, ")") else ""))
  } else {
    if (!file.exists(path)) { cat(sprintf("%-28s NO BASELINE\n", nm)); next }
    old <- readRDS(path)
    same <- identical(unclass(old), unclass(val))
    if (!same) bad <- bad + 1L
    cat(sprintf("%-28s %s\n", nm, if (same) "identical" else "DIFFERENT"))
  }
}
if (mode == "compare") {
  cat(sprintf("\n%d of %d cases differ\n", bad, length(cases)))
  quit(status = if (bad > 0) 1 else 0)
}
