# Validators for nembed's own objects (issue 14). nembed_knn, nembed_affinities, run records,
# transform models and persistence diagrams are plain lists and data frames that users can and do
# edit; before any of them reaches C++ it goes through the one validator of its class below, so
# the kernels may assume valid input. Each validator returns the (possibly normalised) object or
# raises a classed nembed_error naming the argument it came in through.

#' Valid ranges of nembed's parameters and objects
#'
#' Every numeric parameter of nembed has a range; a value outside it is refused with a classed
#' [nembed_error] naming the argument, before any computation. A computation that would still
#' produce NaN or infinite coordinates is an error (`nembed_error_value`), never a return value.
#'
#' @section Parameters with a range beyond the obvious one:
#' * `embed_umap()`: `a` in (0, 1e6] and `b` in (0, 10] (umap-learn's fits for any
#'   `min_dist <= spread` lie far inside; larger values overflow the kernel `1 / (1 + a d^(2b))`).
#'   `learning_rate` in (0, 1e6], `negative_sample_rate` in \[0, 1e4].
#' * `embed_fa2()`: `scaling_ratio` in (0, 1e6], `gravity` in \[0, 1e6], `jitter_tolerance` in
#'   (0, 1e6] (Gephi's sliders stop far below; at 1e300 the forces overflow).
#' * `embed_contrastive()`: `learning_rate` in (0, 1e6]; `s` finite.
#' * `embed_tsne()` and `continue_tsne()`: as documented there (`n_interp` 2 to 20,
#'   `min_intervals` 10 to 2000, `momentum` in \[0, 1), ...); a run record edited outside these
#'   ranges is refused by `continue_tsne()`.
#' * `distance_correlation()`: `n_pairs` from 3 to 1e7. `noisy_circle()` and the other shapes:
#'   `n` up to 1e7, `dim` up to 1e4, and `n * dim` up to 1e8 (0.8 GB).
#' * Data: values beyond 1e150 in absolute value are refused (their squares overflow), for dense
#'   and sparse input alike.
#' * `persistent_homology()`: `threshold` positive; any value at or above the largest distance
#'   means no threshold (the same diagram as `Inf`).
#' * `seed` everywhere: `NULL` or a whole number in \[0, 2^31 - 1].
#'
#' @section Objects:
#' * `nembed_knn`: `idx` an n x k matrix of whole numbers in 1..n, no point its own neighbour, no
#'   neighbour twice in a row; `dist` n x k, finite, non-negative and sorted increasingly along
#'   each row; `n` and `k` matching. Precomputed neighbours given as a list (`list(idx, dist)`)
#'   are sorted by distance for you; a `nembed_knn` that is out of order was edited and is
#'   refused.
#' * `nembed_affinities`: `P` a square `dgCMatrix` of `n` rows with finite non-negative entries and
#'   valid slots; its `knn` (if any) valid as above.
#' * run records of `embed_tsne()` (for `continue_tsne()`) and of `embed_umap()` and
#'   `embed_contrastive()` (models for `embed_transform()`): parameters within the ranges above,
#'   reference data finite and of matching shape; a model's `n_epochs` at most 1e6 (the
#'   transform runs a third of them).
#' * persistence diagrams: columns `dimension` (whole numbers >= 0), `birth` (finite) and `death`
#'   (>= birth, `Inf` allowed), no NA.
#'
#' @section Degenerate starting layouts:
#' An `init` matrix that places every point at the same position (for example all zeros) is
#' refused by every method that takes one (`embed_tsne()`, `embed_umap()`, `embed_contrastive()`,
#' `embed_fa2()`): no force can separate coinciding points, so the result would be one spot.
#'
#' @name nembed_ranges
#' @examples
#' X <- as.matrix(iris[!duplicated(iris[, 1:4]), 1:4])
#' g <- knn_graph(X, k = 5, n_threads = 1)
#' g$idx[1, 1] <- 1000L                      # an edited graph
#' err <- tryCatch(affinities(g, k = 5, perplexity = 1.5, n_threads = 1),
#'                 nembed_error = function(e) e)
#' conditionMessage(err)
NULL

# Re-raises a nembed_error from checking a part of an object as an error about the object's
# argument, so that the message and the condition's `arg` name what the user passed.
within_object <- function(arg, what, expr) {
  tryCatch(expr, nembed_error = function(e) {
    nembed_abort(sprintf("`%s` is not a valid %s: %s", arg, what, conditionMessage(e)),
                 sub("^nembed_error_", "", class(e)[1]), arg)
  })
}

invalid_object <- function(arg, what, problem, subclass = "value", hint = "") {
  nembed_abort(sprintf("`%s` is not a valid %s: %s.%s", arg, what, problem, hint), subclass, arg)
}

# A whole-number matrix stored as double (e.g. after editing with doubles) becomes integer; any
# other type is refused. Never modifies the caller's object (R copies on write).
as_index_matrix <- function(m, arg, what) {
  if (!is.matrix(m) || !(is.integer(m) || is.double(m))) {
    invalid_object(arg, what, "`idx` must be an integer matrix", "type")
  }
  if (is.double(m)) {
    if (anyNA(m) || any(!is.finite(m)) || any(m != round(m)) || any(abs(m) > .Machine$integer.max)) {
      invalid_object(arg, what, "`idx` must hold whole numbers (1-based indices) without NA")
    }
    storage.mode(m) <- "integer"
  }
  m
}

# nembed_knn: see ?nembed_ranges. `self_excluded = FALSE` for query graphs (not used by users).
validate_knn <- function(g, arg = "X") {
  what <- "`nembed_knn` graph"
  hint <- " Rebuild it with knn_graph()."
  if (!is.list(g) || is.null(g$idx) || is.null(g$dist)) {
    invalid_object(arg, what, "it must be a list with matrices `idx` and `dist`", "type", hint)
  }
  g$idx <- as_index_matrix(g$idx, arg, what)
  if (!is.matrix(g$dist) || !is.numeric(g$dist)) {
    invalid_object(arg, what, "`dist` must be a numeric matrix", "type", hint)
  }
  if (!is.double(g$dist)) storage.mode(g$dist) <- "double"
  n <- nrow(g$idx)
  k <- ncol(g$idx)
  if (!identical(dim(g$dist), dim(g$idx))) {
    invalid_object(arg, what, sprintf("`idx` is %d x %d but `dist` is %d x %d", n, k,
                                      nrow(g$dist), ncol(g$dist)), "size", hint)
  }
  if (n < 2L || k < 1L || k > n - 1L) {
    invalid_object(arg, what, sprintf("it has %d points and %d neighbours per point (needs n >= 2 and 1 <= k <= n - 1)",
                                      n, k), "size", hint)
  }
  if (!identical(as.numeric(g$n), as.numeric(n)) || !identical(as.numeric(g$k), as.numeric(k))) {
    invalid_object(arg, what, sprintf("its `n` (%s) and `k` (%s) do not match its %d x %d `idx`",
                                      format(g$n %||% "NULL"), format(g$k %||% "NULL"), n, k),
                   "size", " A graph cut to some rows must be rebuilt with knn_graph() on those rows.")
  }
  if (!is.null(g$row_names) && (!is.character(g$row_names) || length(g$row_names) != n)) {
    invalid_object(arg, what, sprintf("`row_names` must be NULL or %d names", n), "size", hint)
  }
  problem <- core_call(check_knn_cpp(g$idx, g$dist, n, TRUE))
  if (nzchar(problem)) invalid_object(arg, what, problem, "value", hint)
  g$n <- as.integer(n)
  g$k <- as.integer(k)
  g
}

# A square sparse matrix of finite non-negative weights with valid dgCMatrix slots.
validate_weight_slots <- function(P, n, arg, what) {
  if (!methods::is(P, "dgCMatrix")) {
    invalid_object(arg, what, sprintf("`P` must be a dgCMatrix, not %s", paste(class(P), collapse = "/")),
                   "type")
  }
  if (!identical(as.integer(P@Dim), as.integer(c(n, n)))) {
    invalid_object(arg, what, sprintf("`P` is %d x %d but the object has n = %d points",
                                      P@Dim[1], P@Dim[2], as.integer(n)), "size")
  }
  problem <- core_call(check_csc_cpp(P@p, P@i, P@x, as.integer(n)))
  if (nzchar(problem)) invalid_object(arg, what, paste("`P`:", problem))
  invisible(P)
}

# nembed_affinities: `P` valid and of `n` points; `knn` NULL or a valid graph of the same points.
validate_affinities <- function(a, arg = "X") {
  what <- "`nembed_affinities` object"
  if (!is.list(a) || is.null(a$P)) invalid_object(arg, what, "it has no matrix `P`", "type")
  n <- a$n
  if (!is.numeric(n) || length(n) != 1L || is.na(n) || n < 2 || n != round(n)) {
    invalid_object(arg, what, "its `n` must be the number of points (at least 2)", "size")
  }
  validate_weight_slots(a$P, n, arg, what)
  if (!is.null(a$knn)) {
    a$knn <- validate_knn(a$knn, arg)
    if (a$knn$n != n) {
      invalid_object(arg, what, sprintf("its `knn` has %d points, `P` %d", a$knn$n, as.integer(n)),
                     "size")
    }
  }
  a$n <- as.integer(n)
  a
}

# The parameters of a t-SNE run record, with the ranges embed_tsne() enforces (for
# continue_tsne(): an edited record must not reach the optimiser).
validate_tsne_record <- function(rec, arg = "embedding") {
  what <- "t-SNE run record"
  # A record stored in a SingleCellExperiment or Seurat object drops the affinities but keeps
  # what rebuilds them (continue_tsne() calls rebuild_affinities()).
  rebuildable <- is.list(rec$spec_affinities) && is.list(rec$reference) &&
    is.matrix(rec$reference$data)
  if (is.null(rec$affinities) && !rebuildable) {
    if ("affinities" %in% rec$dropped) {
      invalid_object(arg, what, paste0(
        "it was stored in a SingleCellExperiment or Seurat object, which keeps the run record ",
        "without its affinities, and the record has lost the reference data (`reference`, ",
        "`spec_affinities`) that continue_tsne() needs to rebuild them"), "value",
        " Pass the embedding as sce_embedding()/seurat_embedding() return it, or start a new run with init = the stored coordinates.")
    }
    invalid_object(arg, what, "it has no affinities")
  }
  if (!is.null(rec$affinities)) rec$affinities <- validate_affinities(rec$affinities, arg)
  p <- rec$params
  if (!is.list(p)) invalid_object(arg, what, "it has no parameter list `params`", "type")
  within_object(arg, what, {
    p$repulsion <- check_choice(p$repulsion, c("fft", "bh", "exact"), "params$repulsion")
    p$learning_rate <- check_number(p$learning_rate, "params$learning_rate", lower = 0, lower_open = TRUE)
    p <- check_tsne_params(p, "params$")
    rec$n_iter_done <- check_count(rec$n_iter_done, "n_iter_done", lower = 0)
  })
  rec$params <- p
  rec
}

# A transform model: the run record of a UMAP, contrastive or t-SNE embedding with its reference
# data (for embed_transform()).
validate_model <- function(rec, arg = "embedding") {
  what <- sprintf("%s model", rec$method)
  ref <- rec$reference
  if (!is.list(ref) || !is.matrix(ref$data) || !is.numeric(ref$data)) {
    invalid_object(arg, what, "its `reference$data` must be the reference points as a numeric matrix",
                   "type")
  }
  within_object(arg, what, {
    as_data_matrix(ref$data, "reference$data", min_rows = 2L)
    check_choice(ref$metric, c("euclidean", "cosine", "correlation"), "reference$metric")
    check_count(ref$n_input_cols, "reference$n_input_cols")
  })
  if (is.null(ref$pca)) {
    if (ref$n_input_cols != ncol(ref$data)) {
      invalid_object(arg, what, "`reference$n_input_cols` differs from the reference data's columns",
                     "size")
    }
  } else {
    if (!is.list(ref$pca)) {
      invalid_object(arg, what, "its PCA projection `reference$pca` must be a list", "type")
    }
    rot <- ref$pca$rotation
    ctr <- ref$pca$center
    if (!is.matrix(rot) || !is.numeric(rot) || !identical(dim(rot), c(as.integer(ref$n_input_cols), ncol(ref$data))) ||
        !all(is.finite(rot)) || !is.numeric(ctr) || length(ctr) != ref$n_input_cols ||
        !all(is.finite(ctr))) {
      invalid_object(arg, what, "its PCA projection (`reference$pca`) does not match the reference data",
                     "size")
    }
  }
  p <- rec$params
  if (!is.list(p)) invalid_object(arg, what, "it has no parameter list `params`", "type")
  within_object(arg, what, switch(rec$method,
    tsne = check_number(p$dof, "params$dof", lower = 0, lower_open = TRUE),
    umap = {
      check_umap_ab(p$a, p$b, "params$a", "params$b")
      check_count(p$k %||% (p$n_neighbors - 1L), "params$k", lower = 1)
      check_count(p$n_epochs, "params$n_epochs", lower = 1, upper = 1e6)
      check_number(p$learning_rate, "params$learning_rate", lower = 0, lower_open = TRUE, upper = 1e6)
      check_number(p$n_negatives %||% p$negative_sample_rate, "params$n_negatives", lower = 0,
                   upper = 1e4)
      check_count(p$seed, "params$seed", lower = 0)
    },
    contrastive = {
      check_choice(p$loss, c("neg", "nce", "infonce", "umap"), "params$loss")
      check_count(p$k, "params$k")
      check_count(p$n_negatives, "params$n_negatives")
      check_count(p$n_epochs, "params$n_epochs", lower = 1, upper = 1e6)
      check_number(p$learning_rate, "params$learning_rate", lower = 0, lower_open = TRUE, upper = 1e6)
      check_count(p$seed, "params$seed", lower = 0)
      for (nm in c("c", "rho")) {
        v <- rec[[nm]]
        if (!is.numeric(v) || length(v) != 1L || (!is.na(v) && (!is.finite(v) || v <= 0))) {
          nembed_abort(sprintf("`%s` must be NA or a positive number.", nm), "value", nm)
        }
      }
    }))
  rec
}

# UMAP's kernel 1 / (1 + a d^(2b)): see ?nembed_ranges.
check_umap_ab <- function(a, b, arg_a = "a", arg_b = "b") {
  c(a = check_number(a, arg_a, lower = 0, lower_open = TRUE, upper = 1e6),
    b = check_number(b, arg_b, lower = 0, lower_open = TRUE, upper = 10))
}

# Persistence diagrams (detection_score(), plot() and autoplot()): see ?nembed_ranges.
validate_persistence <- function(ph, arg = "ph") {
  what <- "persistence diagram"
  if (!is.data.frame(ph) || !all(c("dimension", "birth", "death") %in% names(ph))) {
    nembed_abort(sprintf("`%s` must be a persistence diagram: a data frame with columns `dimension`, `birth` and `death`.",
                         arg), "type", arg)
  }
  d <- ph$dimension
  if (!is.numeric(ph$birth) || !is.numeric(ph$death) || !is.numeric(d)) {
    invalid_object(arg, what, "`dimension`, `birth` and `death` must be numeric", "type")
  }
  if (anyNA(d) || anyNA(ph$birth) || anyNA(ph$death) || any(!is.finite(ph$birth)) ||
      any(d < 0 | d > 1e6 | d != round(d) | !is.finite(d)) || any(ph$death < ph$birth)) {
    invalid_object(arg, what, "it needs whole dimensions between 0 and 1e6, finite births and deaths >= births (Inf allowed), without NA")
  }
  ph
}

# An embedding has fewer dimensions than points (and a random start of n x 1e9 cannot be built).
check_components <- function(n_components, n, arg = "n_components") {
  if (n_components > n - 1L) {
    nembed_abort(sprintf("`%s` = %d is too large for %d points: at most n - 1 = %d.", arg,
                         as.integer(n_components), as.integer(n), as.integer(n - 1L)), "size", arg)
  }
  n_components
}

# A starting layout that puts every point in one spot: no force separates coinciding points.
check_not_collapsed <- function(Y, arg, method) {
  if (nrow(Y) > 1L && all(Y == rep(Y[1, ], each = nrow(Y)))) {
    nembed_abort(sprintf("`%s` places all points at the same position, where %s's gradient is zero and no point can move; give distinct starting positions.",
                         arg, method), "value", arg)
  }
  invisible(Y)
}

# The last line of defence: coordinates with NaN or Inf are an error, never a result.
check_finite_result <- function(Y, method) {
  if (!all(is.finite(Y))) {
    nembed_abort(sprintf("%s produced non-finite coordinates (NaN or Inf): its parameters are too extreme for these data (see ?nembed_ranges); `X` and the numeric arguments were accepted, but the result is refused.",
                         method %||% "The embedding"), "value", "X")
  }
  invisible(Y)
}
