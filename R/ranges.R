# Valid ranges of every numeric argument of every exported function, in one table (issue 14).
#
# Each help page shows its function's entries in a "Valid ranges" section generated from this
# table, and tests/testthat/test-ranges.R holds the code to it: a value just outside each stated
# range must be refused with a classed nembed_error, every numeric argument must be listed, and
# every listed argument must exist. The argument checks themselves stay next to the code that
# uses the values (R/checks.R helpers); this table is what a user reads and what the test enforces.

# One argument's range. type: "number" (finite real), "count" (whole number), "numbers" (one or
# more finite reals, each in range). null: what NULL means, when NULL is allowed. also: other
# accepted values, as text. note: limits that depend on the data or on other arguments.
param_range <- function(type = c("number", "count", "numbers"), lower = -Inf, upper = Inf,
                        lower_open = FALSE, upper_open = FALSE, null = NULL, also = NULL,
                        note = NULL) {
  list(type = match.arg(type), lower = lower, upper = upper, lower_open = lower_open,
       upper_open = upper_open, null = null, also = also, note = note)
}

# Shared entries: one meaning per argument name across the package.
range_threads <- function() {
  param_range("count", 1, 1024, null = "[default_threads()]")
}
range_seed <- function(null = "draw one from R's random number generator, so `set.seed()` applies") {
  param_range("count", 0, .Machine$integer.max, null = null)
}
range_k <- function(note = "and at most n - 1 for n points", null = NULL) {
  param_range("count", 1, note = note, null = null)
}
range_iter <- function(lower = 1, null = NULL) param_range("count", lower, null = null)
range_momentum <- function() param_range("number", 0, 1, upper_open = TRUE)
range_learning_rate <- function(...) param_range("number", 0, lower_open = TRUE, ...)

param_ranges <- function() {
  pos <- function(...) param_range("number", 0, lower_open = TRUE, ...)
  nonneg <- function(...) param_range("number", 0, ...)
  list(
    knn_graph = list(
      k = range_k(), n_threads = range_threads(),
      seed = range_seed("draw one from R's random number generator (HNSW only)"),
      M = param_range("count", 2, 1000), ef_construction = param_range("count", 1),
      ef = param_range("count", 1, null = "`k + 40`")),
    affinities = list(
      perplexity = param_range("numbers", 1, lower_open = TRUE,
                               note = "each below n - 1, and at most k / 3"),
      k = range_k(null = "the method's default (3 * max(perplexity) for perplexity)"), n_threads = range_threads(),
      set_op_mix_ratio = param_range("number", 0, 1)),
    embed_tsne = list(
      perplexity = param_range("numbers", 1, lower_open = TRUE,
                               note = "each below n - 1 (ideally below (n - 1) / 3)"),
      n_components = param_range("count", 1, 3, note = "3 only with `repulsion = \"exact\"` or `\"bh\"`"),
      exaggeration = pos(), early_exaggeration = pos(),
      early_iter = param_range("count", 0, note = "at most `n_iter`"), n_iter = range_iter(),
      learning_rate = range_learning_rate(also = "`\"auto\"`"),
      momentum = range_momentum(), final_momentum = range_momentum(), dof = pos(),
      theta = nonneg(), n_interp = param_range("count", 2, 20),
      min_intervals = param_range("count", 10, 2000), intervals_per_unit = pos(),
      near_radius = nonneg(note = "0 turns the near field off"),
      k = range_k(null = "3 * max(perplexity)"), pca_dims = param_range("count", 1), max_step_norm = nonneg(),
      eval_every = param_range("count", 0, note = "0 never evaluates the loss"),
      n_threads = range_threads(), seed = range_seed()),
    continue_tsne = list(
      n_iter = range_iter(), exaggeration = pos(),
      learning_rate = range_learning_rate(null = "keep the previous one"),
      dof = pos(null = "keep the previous kernel"), n_threads = range_threads()),
    embed_umap = list(
      k = range_k("and at most n - 1; umap-learn's n_neighbors = k + 1"),
      min_dist = nonneg(note = "at most `spread`"), spread = pos(),
      n_epochs = range_iter(null = "500 up to 10,000 points, 200 above"),
      n_negatives = param_range("number", 0, 1e4),
      learning_rate = range_learning_rate(upper = 1e6),
      a = pos(upper = 1e6, null = "fitted from `min_dist` and `spread`"),
      b = pos(upper = 10, null = "fitted from `min_dist` and `spread`"),
      n_components = param_range("count", 1), n_threads = range_threads(), seed = range_seed()),
    embed_contrastive = list(
      s = param_range("number", null = "the loss's default", note = "typically in \\[-1, 2\\]"),
      Zbar = pos(null = "derived from `s`"), n_negatives = param_range("count", 1), k = range_k(),
      n_epochs = range_iter(null = "750"), learning_rate = range_learning_rate(upper = 1e6),
      batch_size = param_range("count", 1), n_components = param_range("count", 1),
      n_threads = range_threads(), seed = range_seed()),
    embed_parametric = list(
      s = param_range("number", null = "the loss's default", note = "typically in \\[-1, 2\\]"),
      hidden = param_range("numbers", 1, 1e5, note = "whole numbers: units per hidden layer"),
      n_epochs = range_iter(null = "min(100, max(10, 4e6 / edges))"), batch_size = param_range("count", 1),
      learning_rate = range_learning_rate(upper = 1e3), k = range_k(),
      pca_dims = param_range("count", 1), n_negatives = param_range("count", 1),
      n_components = param_range("count", 1), n_threads = range_threads(), seed = range_seed()),
    embed_fa2 = list(
      k = range_k(), n_iter = range_iter(0), scaling_ratio = pos(upper = 1e6),
      gravity = nonneg(upper = 1e6), theta = nonneg(), jitter_tolerance = pos(),
      n_threads = range_threads(), seed = range_seed()),
    embed_laplacian = list(
      k = range_k(), n_components = param_range("count", 1, note = "at most n - 1"),
      dense_limit = param_range("count", 0), n_threads = range_threads(),
      seed = range_seed()),
    embed_pca = list(
      n_components = param_range("count", 1, note = "at most min(n, p)"), seed = range_seed(NULL),
      n_threads = range_threads()),
    embed_spectrum = list(
      exaggeration = param_range("numbers", 0, lower_open = TRUE),
      s = param_range("numbers", null = "use the t-SNE spectrum (`exaggeration`)"),
      perplexity = param_range("number", 1, lower_open = TRUE, note = "below n - 1"),
      k = range_k(), n_threads = range_threads(), seed = range_seed()),
    embed_transform = list(
      perplexity = param_range("number", 1, lower_open = TRUE, note = "at most k"),
      k = range_k("and at most the number of reference points", null = "the method's default"),
      init_k = param_range("count", 1, note = "at most the number of reference points"),
      n_iter = range_iter(0), learning_rate = range_learning_rate(null = "the method's default"),
      momentum = range_momentum(), max_step_norm = nonneg(), n_threads = range_threads(),
      n_epochs = range_iter(0, null = "a third of the embedding's epochs"),
      seed = range_seed("the embedding's seed")),
    embed_wasserstein = list(
      lambda = param_range("number", 0, 1), perplexity = pos(note = "below the number of groups - 1"),
      n_threads = range_threads(), seed = range_seed()),
    wasserstein_distances = list(lambda = param_range("number", 0, 1), n_threads = range_threads()),
    spectral_distances = list(
      k = range_k(), t = pos(upper = 1e6),
      n_eigen = param_range("count", 1, null = "automatic", also = "`\"exact\"`",
                            note = "at most n - 1"),
      n_threads = range_threads()),
    persistent_homology = list(
      max_dim = param_range("count", 0, 2), threshold = pos(also = "`Inf`")),
    detection_score = list(n_features = param_range("count", 0), dim = param_range("count", 0)),
    pca = list(n_components = param_range("count", 1, note = "at most min(n, p)"),
               seed = range_seed(NULL), n_threads = range_threads()),
    knn_accuracy = list(k = range_k(), n_threads = range_threads()),
    knn_recall = list(k = range_k(), n_threads = range_threads()),
    distance_correlation = list(n_pairs = param_range("count", 3, 1e7), seed = range_seed(NULL)),
    umap_ab_params = list(spread = pos(), min_dist = nonneg(note = "at most `spread`")),
    noisy_circle = list(
      n = param_range("count", 3, 1e7), dim = param_range("count", 2, 1e4), sigma = nonneg(),
      seed = range_seed("use R's current random number stream")),
    noisy_torus = list(R = pos(), r = pos(note = "at most `R`")),
    hierarchical_gaussian_mixture = list(
      n_units = param_range("count", 1), n_samples = param_range("count", 1),
      n_classes = param_range("count", 1), dim = param_range("count", 2),
      seed = range_seed(NULL), class_distance = param_range("number"), mean_variance = nonneg(),
      nu = param_range("number", 1, note = "raised to `dim` when smaller"),
      shape = param_range("numbers", 0, lower_open = TRUE, note = "two values"),
      angles = param_range("numbers", note = "two values, in degrees")),
    default_threads = list(n_threads = param_range("count", 1, 1024, null = "RcppParallel's default")),
    load_fashion_mnist = list(n = param_range("count", 1, null = "all images",
                                              note = "at most the number of images"),
                              seed = range_seed(NULL)),
    load_hsmm = list(min_cells = param_range("count", 0), n_pca = param_range("count", 0)),
    plot_units = list(scale = pos(null = "automatic"), cex = pos())
  )
}

# "a whole number from 2 to 20", "a number greater than 0", ...
range_text <- function(r) {
  fmt <- function(x) {
    if (identical(x, .Machine$integer.max)) "2^31 - 1" else format(x, big.mark = ",", scientific = FALSE)
  }
  what <- switch(r$type, number = "a number", count = "a whole number",
                 numbers = "one or more numbers, each")
  lo <- is.finite(r$lower)
  up <- is.finite(r$upper)
  bound <- if (lo && up) {
    if (r$type == "count") sprintf("from %s to %s", fmt(r$lower), fmt(r$upper))
    else sprintf("in %s%s, %s%s", if (r$lower_open) "(" else "\\[", fmt(r$lower), fmt(r$upper),
                 if (r$upper_open) ")" else "\\]")  # escaped: [a, b] is a link in roxygen markdown
  } else if (lo) {
    sprintf("%s %s", if (r$lower_open) "greater than" else "at least", fmt(r$lower))
  } else if (up) {
    sprintf("%s %s", if (r$upper_open) "less than" else "at most", fmt(r$upper))
  } else "finite"
  txt <- paste(what, bound)
  if (!is.null(r$note)) txt <- paste0(txt, " (", r$note, ")")
  if (!is.null(r$also)) txt <- paste0(txt, "; or ", r$also)
  if (!is.null(r$null)) txt <- paste0(txt, "; or `NULL`: ", r$null)
  txt
}

# The "Valid ranges" section of one help page (roxygen inline code calls this).
range_section <- function(fun) {
  entries <- param_ranges()[[fun]]
  paste0("\n", paste(sprintf("* `%s`: %s.", names(entries), vapply(entries, range_text, "")),
                     collapse = "\n"), "\n")
}

