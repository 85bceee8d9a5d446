# The parameter-range audit (issue 14): every numeric argument of every exported function is
# (1) documented with its valid range in the function's own help page, and (2) refused with a
# classed nembed_error, or accepted with a finite result, for each of a fixed set of abusive values.
# The argument lists are read from the functions' formals at run time, so a new or renamed
# argument is audited without editing this file; only the data each function needs is listed here.

range_data <- function() {
  set.seed(7)
  X <- matrix(stats::rnorm(40 * 4), 40, 4)
  X[1:20, ] <- X[1:20, ] + 3
  list(X = X, groups = rep(1:8, each = 5), labels = rep(1:2, each = 20))
}

# name -> list(fun = function name in the namespace, args = the non-audited arguments)
range_targets <- function() {
  d <- range_data()
  X <- d$X
  small <- list(n_threads = 1)
  list(
    knn_graph = list(fun = "knn_graph.default", args = list(X = X, k = 5)),
    affinities = list(fun = "affinities", args = list(x = X, k = 12, perplexity = 3)),
    embed_tsne = list(fun = "embed_tsne.default", args = list(X = X, perplexity = 5, n_iter = 60,
                                                              early_iter = 20)),
    continue_tsne = list(fun = "continue_tsne", args = list(n_iter = 10), prepare = function(a) {
      a$embedding <- nembed::embed_tsne(X, perplexity = 5, n_iter = 30, early_iter = 10, seed = 1,
                                        n_threads = 1)
      a
    }),
    embed_umap = list(fun = "embed_umap.default", args = list(X = X, n_epochs = 20)),
    embed_contrastive = list(fun = "embed_contrastive.default", args = list(X = X, n_epochs = 5)),
    embed_parametric = list(fun = "embed_parametric.default",
                            args = list(X = X, hidden = 4, n_epochs = 2, batch_size = 32)),
    embed_fa2 = list(fun = "embed_fa2.default", args = list(X = X, k = 5, n_iter = 20)),
    embed_laplacian = list(fun = "embed_laplacian.default", args = list(X = X, k = 10)),
    embed_pca = list(fun = "embed_pca.default", args = list(X = X)),
    embed_spectrum = list(fun = "embed_spectrum.default", args = list(X = X, exaggeration = c(1, 4),
                                                                      perplexity = 5, k = 10)),
    embed_transform = list(fun = "embed_transform", args = list(X_new = X[1:5, ] + 0.01, n_iter = 10),
                           prepare = function(a) {
      a$embedding <- nembed::embed_tsne(X, perplexity = 5, n_iter = 30, early_iter = 10, seed = 1,
                                        n_threads = 1)
      a
    }),
    embed_wasserstein = list(fun = "embed_wasserstein.default", args = list(X = X, groups = d$groups)),
    wasserstein_distances = list(fun = "wasserstein_distances", args = list(X = X, groups = d$groups)),
    spectral_distances = list(fun = "spectral_distances.default", args = list(x = X, k = 10)),
    persistent_homology = list(fun = "persistent_homology", args = list(d = stats::dist(X[1:20, ]))),
    pca = list(fun = "pca", args = list(X = X, n_components = 2)),
    knn_accuracy = list(fun = "knn_accuracy", args = list(embedding = X[, 1:2], labels = d$labels)),
    knn_recall = list(fun = "knn_recall", args = list(X = X, embedding = X[, 1:2])),
    distance_correlation = list(fun = "distance_correlation", args = list(X = X, embedding = X[, 1:2])),
    umap_ab_params = list(fun = "umap_ab_params", args = list()),
    noisy_circle = list(fun = "noisy_circle", args = list(n = 30, dim = 5)),
    noisy_sphere = list(fun = "noisy_sphere", args = list(n = 30, dim = 5), ranges = "noisy_circle",
                        page = "noisy_circle"),
    noisy_torus = list(fun = "noisy_torus", args = list(n = 30, dim = 5),
                       ranges = c("noisy_circle", "noisy_torus"), page = "noisy_circle"),
    noisy_linked_circles = list(fun = "noisy_linked_circles", args = list(n = 30, dim = 5),
                                ranges = "noisy_circle", page = "noisy_circle"),
    detection_score = list(fun = "detection_score", args = list(), prepare = function(a) {
      a$ph <- nembed::persistent_homology(stats::dist(nembed::noisy_circle(n = 40, dim = 3, seed = 1)))
      a
    }),
    default_threads = list(fun = "default_threads", args = list()),
    hierarchical_gaussian_mixture = list(fun = "hierarchical_gaussian_mixture",
                                         args = list(n_units = 8, n_samples = 5))
  )
}

# The numeric arguments of a function: a numeric (or numeric-vector) default, or a NULL default
# for a number chosen automatically; plus "auto"-or-number arguments such as learning_rate.
range_numeric_args <- function(fn) {
  fm <- formals(fn)
  is_num <- vapply(names(fm), function(nm) {
    if (identical(fm[[nm]], quote(expr = ))) return(FALSE)  # no default: data, not a parameter
    v <- fm[[nm]]
    if (nm %in% c("learning_rate")) return(TRUE)
    if (is.null(v)) return(nm %in% range_null_numeric())
    if (is.numeric(v)) return(TRUE)
    is.call(v) && identical(v[[1]], as.name("c")) && is.numeric(eval(v))
  }, logical(1))
  names(fm)[is_num]
}

# NULL defaults that stand for a number picked from the data.
range_null_numeric <- function() {
  c("n_threads", "seed", "n_epochs", "k", "a", "b", "s", "Zbar", "dof", "learning_rate",
    "n_eigen", "ef", "n_negatives", "threshold", "n_pca", "n")
}

range_abusive_values <- function() {
  list(NA, NaN, Inf, -1, 0.5, 1e300, "a", c(1, 2))
}

# Runs one call; the outcome is "error" (a classed nembed_error), "finite" (a result without
# non-finite coordinates), or a description of what went wrong.
range_outcome <- function(fun, args) {
  res <- tryCatch({
    setTimeLimit(elapsed = 20, transient = TRUE)
    on.exit(setTimeLimit(elapsed = Inf), add = TRUE)
    suppressWarnings(suppressMessages(do.call(fun, args)))
  }, nembed_error = function(e) structure(list(), class = "range_refused"),
     error = function(e) structure(list(msg = conditionMessage(e)), class = "range_unclassed"))
  if (inherits(res, "range_refused")) return("error")
  if (inherits(res, "range_unclassed")) return(paste("unclassed error:", res$msg))
  nums <- if (is.data.frame(res)) res[vapply(res, is.numeric, logical(1))] else if (is.numeric(res)) res else NULL
  if (inherits(res, "dist")) nums <- as.vector(res)
  # A persistence diagram's essential classes die at Inf by definition; NA is still wrong there.
  bad_value <- if (inherits(res, "nembed_persistence")) is.na else function(v) !is.finite(v)
  if (!is.null(nums) && any(bad_value(unlist(nums)))) return("non-finite result")
  "finite"
}

# Calls every target with one argument replaced by each of the values `values(target, fn)`
# gives (a named list: argument -> list of values); returns a data frame (target, arg, value,
# outcome).
range_calls <- function(values) {
  ns <- asNamespace("nembed")
  out <- list()
  for (tn in names(range_targets())) {
    t <- range_targets()[[tn]]
    fn <- get(t$fun, envir = ns)
    base <- t$args
    base$n_threads <- if ("n_threads" %in% names(formals(fn))) 1 else NULL
    if (!is.null(t$prepare)) base <- t$prepare(base)
    vals <- values(tn, fn)
    for (arg in names(vals)) {
      for (v in vals[[arg]]) {
        a <- base
        a[arg] <- list(v)
        out[[length(out) + 1L]] <- data.frame(target = tn, arg = arg, value = deparse(v),
                                              outcome = range_outcome(fn, a))
      }
    }
  }
  do.call(rbind, out)
}

# Every numeric argument (not given by the target) with every abusive value.
range_sweep <- function() {
  range_calls(function(tn, fn) {
    args <- setdiff(range_numeric_args(fn), names(range_targets()[[tn]]$args))
    stats::setNames(rep(list(range_abusive_values()), length(args)), args)
  })
}

# The documented ranges of a target: its entries of nembed:::param_ranges().
range_table <- function(tn) {
  t <- range_targets()[[tn]]
  tab <- get("param_ranges", envir = asNamespace("nembed"))()
  unlist(unname(tab[t$ranges %||% tn]), recursive = FALSE)
}

# The text of the "Valid ranges" section of a help page (installed Rd database), or NA.
range_rd_section <- function(page) {
  rd <- tools::Rd_db("nembed")[[paste0(page, ".Rd")]]
  if (is.null(rd)) return(NA_character_)
  for (sec in rd) {
    if (!identical(attr(sec, "Rd_tag"), "\\section")) next
    if (grepl("Valid ranges", paste(unlist(sec[[1]]), collapse = ""))) {
      return(paste(unlist(sec[[2]]), collapse = ""))
    }
  }
  NA_character_
}

# Values just outside a documented range, each of which must be refused.
range_outside_values <- function(r) {
  eps <- function(b) max(1e-9, abs(b) * 1e-9)
  out <- list(NA, "a")
  if (!grepl("Inf", r$also %||% "")) out <- c(out, list(Inf))
  if (is.finite(r$lower)) out <- c(out, list(if (r$lower_open) r$lower else r$lower - eps(r$lower)))
  if (is.finite(r$upper)) out <- c(out, list(if (r$upper_open) r$upper else r$upper + eps(r$upper)))
  if (r$type == "count") {
    out <- c(out, list(if (is.finite(r$lower)) r$lower + 0.5 else 0.5))
    if (is.finite(r$lower)) out <- c(out, list(r$lower - 1))
    if (is.finite(r$upper)) out <- c(out, list(r$upper + 1))
  }
  if (r$type != "numbers") out <- c(out, list(c(1, 2)))
  out
}

# Tries every outside value of every documented argument; returns the ones not refused.
range_boundary_sweep <- function() {
  res <- range_calls(function(tn, fn) {
    tab <- range_table(tn)
    lapply(tab[intersect(names(tab), names(formals(fn)))], range_outside_values)
  })
  res <- res[res$outcome != "error", ]
  sprintf("%s(%s = %s): %s", res$target, res$arg, res$value, substr(res$outcome, 1, 100))
}
