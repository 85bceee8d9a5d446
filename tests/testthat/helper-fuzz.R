# A property-based fuzzer of nembed's exported functions (issue 14). Case `id` is fully determined
# by its seed: a target function, an input of random shape, type, NA/Inf pattern and scale (or a
# nembed object built from clean data and then tampered with), and base arguments of which one
# may be replaced by an abusive value. The property: every case ends in a classed nembed_error or
# in a valid, finite result, and the inputs come back unchanged. Used by test-fuzz.R (a fixed
# slice) and tools/fuzz.R (larger random runs); each batch of cases runs in a child R process, so a
# crash is an outcome too.

fuzz_abusive_values <- function() {
  list(NA, NA_real_, NaN, Inf, -Inf, -1, 0, 0.5, 1, 2, 3L, 1e-300, 1e300, -1e300, 1e9, "a",
       TRUE, c(1, 2), NULL, list(1), numeric(0))
}

# Random data: shape, type, NA/Inf pattern and scale.
fuzz_data <- function(min_n = 0L) {
  n <- max(min_n, sample(c(0, 1, 2, 3, 5, 12, 25, 40, 40), 1))
  d <- sample(c(0, 1, 2, 3, 3, 6), 1)
  X <- matrix(stats::rnorm(n * d), n, d)
  if (runif(1) < 0.15 && n > 0 && d > 0) X[] <- rep(X[1, ], each = n)          # identical points
  if (runif(1) < 0.15) X <- round(X)                                          # ties
  X <- X * 10^sample(c(-300, -150, -20, 0, 0, 0, 0, 0, 20, 100, 149, 200, 300), 1)
  if (runif(1) < 0.25 && length(X)) {
    X[sample(length(X), sample(1:3, 1), replace = TRUE)] <- sample(list(NA, NaN, Inf, -Inf), 1)[[1]]
  }
  switch(sample(c("matrix", "matrix", "matrix", "matrix", "df", "int", "chr", "lgl", "list",
                  "vector", "sparse", "null"), 1,
                prob = c(rep(0.15, 4), 0.1, 0.08, 0.04, 0.03, 0.03, 0.04, 0.06, 0.02)),
    matrix = X,
    df = as.data.frame(X),
    int = { storage.mode(X) <- "integer"; X },
    chr = { storage.mode(X) <- "character"; X },
    lgl = X > 0,
    list = as.list(as.data.frame(X)),
    vector = as.vector(X),
    sparse = if (length(X) && all(is.finite(X))) methods::as(X, "CsparseMatrix") else X,
    null = NULL)
}

fuzz_clean_data <- function(n = 30L, d = 3L) {
  X <- matrix(stats::rnorm(n * d), n, d)
  X[seq_len(n %/% 3), ] <- X[seq_len(n %/% 3), ] + 4
  X
}

# One random edit of a list object: an entry of a matrix, a field, rows cut, a row reordered.
fuzz_tamper <- function(obj, fields) {
  f <- sample(fields, 1)
  v <- obj[[f]]
  if (is.data.frame(obj)) {  # a column keeps its length: one entry edited
    v[sample(length(v), 1)] <- sample(list(NA, NaN, Inf, -Inf, -1, 1e300, 0.5, 2, "a"), 1)[[1]]
    obj[[f]] <- v
    return(obj)
  }
  how <- sample(c("value", "entry", "cut", "reorder"), 1)
  if (how == "value" || !(is.matrix(v) || methods::is(v, "dgCMatrix"))) {
    obj[f] <- list(sample(fuzz_abusive_values(), 1)[[1]])
    return(obj)
  }
  if (methods::is(v, "dgCMatrix")) {
    slot <- sample(c("i", "p", "x"), 1)
    s <- methods::slot(v, slot)
    bad <- sample(list(-1, 0, 1e9, NA, NaN, Inf, length(s) + 5), 1)[[1]]
    s[sample(length(s), 1)] <- if (slot == "x") as.numeric(bad) else suppressWarnings(as.integer(bad))
    methods::slot(v, slot, check = FALSE) <- s
  } else if (how == "entry") {
    v[sample(length(v), 1)] <- sample(list(0L, -1L, NA, nrow(v) + 1L, 1L, 1e9, -1, NaN, Inf, 2.5), 1)[[1]]
  } else if (how == "cut") {
    v <- v[seq_len(max(1, nrow(v) %/% 2)), , drop = FALSE]
  } else {
    r <- sample(nrow(v), 1)
    v[r, ] <- rev(v[r, ])
  }
  obj[[f]] <- v
  obj
}

fuzz_tamper_record <- function(emb, fields) {
  rec <- attr(emb, "nembed_record")
  if (runif(1) < 0.7) {
    rec$params <- fuzz_tamper(rec$params, intersect(fields, names(rec$params)))
  } else {
    rec <- fuzz_tamper(rec, setdiff(names(rec), "method"))
  }
  attr(emb, "nembed_record") <- rec
  emb
}

# Base arguments of each target (small, fast) and the numeric ones the fuzzer may abuse.
fuzz_targets <- function() {
  list(
    knn_graph = list(fun = "knn_graph", base = function() list(k = 5, method = sample(c("exact", "hnsw"), 1),
                                                              metric = sample(c("euclidean", "cosine", "correlation"), 1),
                                                              n_threads = 1, seed = 1),
                     abuse = c("k", "M", "ef_construction", "ef", "seed")),
    affinities = list(fun = "affinities", base = function() list(method = sample(c("perplexity", "uniform", "umap"), 1),
                                                               perplexity = 3, n_threads = 1),
                      abuse = c("perplexity", "k", "set_op_mix_ratio")),
    embed_tsne = list(fun = "embed_tsne", base = function() list(perplexity = 3, n_iter = 40, early_iter = 10,
                                                               repulsion = sample(c("auto", "fft", "bh", "exact"), 1),
                                                               n_threads = 1, seed = 1),
                      abuse = c("perplexity", "exaggeration", "early_exaggeration", "learning_rate",
                                "momentum", "dof", "theta", "n_interp", "min_intervals",
                                "intervals_per_unit", "max_step_norm", "n_components", "k", "init")),
    embed_umap = list(fun = "embed_umap", base = function() list(k = 4, n_epochs = 20, n_threads = 1, seed = 1),
                      abuse = c("min_dist", "spread", "a", "n_negatives", "learning_rate",
                                "n_components", "init", "k")),
    embed_contrastive = list(fun = "embed_contrastive", base = function() list(k = 5, n_epochs = 20, n_threads = 1, seed = 1,
                                                                             loss = sample(c("neg", "nce", "infonce", "umap"), 1)),
                             abuse = c("s", "Zbar", "n_negatives", "learning_rate", "init", "k")),
    embed_fa2 = list(fun = "embed_fa2", base = function() list(k = 5, n_iter = 20, n_threads = 1, seed = 1),
                     abuse = c("scaling_ratio", "gravity", "theta", "jitter_tolerance", "init", "k")),
    embed_laplacian = list(fun = "embed_laplacian", base = function() list(k = 5, n_threads = 1, seed = 1),
                           abuse = c("n_components", "dense_limit", "k")),
    embed_pca = list(fun = "embed_pca", base = function() list(), abuse = c("n_components", "seed", "center")),
    spectral_distances = list(fun = "spectral_distances", base = function() list(k = 5, n_threads = 1),
                              abuse = c("t", "n_eigen", "k")),
    persistent_homology = list(fun = "persistent_homology", base = function() list(max_dim = 1),
                               abuse = c("threshold", "max_dim")),
    knn_accuracy = list(fun = "knn_accuracy", base = function() list(k = 3, n_threads = 1), abuse = "k"),
    knn_recall = list(fun = "knn_recall", base = function() list(k = 3, n_threads = 1), abuse = "k"),
    distance_correlation = list(fun = "distance_correlation", base = function() list(n_pairs = 50),
                                abuse = c("n_pairs", "seed")),
    wasserstein_distances = list(fun = "wasserstein_distances",
                                 base = function() list(method = sample(c("gaussian", "exact"), 1), n_threads = 1),
                                 abuse = "lambda"),
    noisy_circle = list(fun = "noisy_circle", base = function() list(n = 20, dim = 3, sigma = 0.1, seed = 1),
                        abuse = c("n", "dim", "sigma", "seed"))
  )
}

# Case `id`: list(label, data (named list of inputs), call(d)). Deterministic in `id`.
fuzz_case <- function(id) {
  set.seed(id)
  targets <- fuzz_targets()
  kind <- sample(c("data", "data", "object"), 1)
  if (kind == "object") return(fuzz_object_case(id))
  t <- targets[[sample(names(targets), 1)]]
  args <- t$base()
  X <- fuzz_data()
  label <- paste0(t$fun, "(", if (is.null(X)) "NULL" else paste(class(X)[1], paste(dim(X) %||% length(X), collapse = "x")), ")")
  if (runif(1) < 0.5) {
    p <- sample(t$abuse, 1)
    v <- sample(fuzz_abusive_values(), 1)[[1]]
    if (p == "init" && runif(1) < 0.5 && !is.null(dim(X))) {
      v <- matrix(sample(c(0, 1, NA, 1e300), 1), nrow(X), 2)  # degenerate or bad starts
    }
    args[p] <- list(v)
    label <- paste0(label, " ", p, " = ", paste(format(v), collapse = ","))
  }
  if (t$fun == "persistent_homology") {
    data <- list(X = if (is.matrix(X) && is.numeric(X) && nrow(X) >= 2 && ncol(X) >= 1 && all(is.finite(X))) stats::dist(X) else X)
  } else if (t$fun %in% c("knn_accuracy", "wasserstein_distances")) {
    data <- list(X = X, labels = sample(1:3, max(1, NROW(X)), replace = TRUE))
  } else if (t$fun %in% c("knn_recall", "distance_correlation")) {
    # the embedding: the data's first columns, or random coordinates of the wrong size
    Y <- if (is.matrix(X) && ncol(X) >= 1 && runif(1) < 0.7) X[, 1, drop = FALSE]
         else matrix(stats::rnorm(2 * sample(c(1, 12, 25, 40), 1)), ncol = 2)
    data <- list(X = X, labels = Y)
  } else {
    data <- list(X = X)
  }
  fun <- t$fun
  call <- function(d) {
    f <- getExportedValue("nembed", fun)
    if (fun == "noisy_circle") return(do.call(f, args))
    if (!is.null(d$labels)) return(do.call(f, c(list(d$X, d$labels), args)))
    do.call(f, c(list(d$X), args))
  }
  list(label = label, data = data, call = call)
}

# A nembed object built from clean data, then edited once, passed where it is accepted.
fuzz_object_case <- function(id) {
  X <- fuzz_clean_data(sample(c(12, 30), 1))
  what <- sample(c("knn", "affinities", "tsne", "model", "diagram"), 1)
  switch(what,
    knn = {
      g <- fuzz_tamper(nembed::knn_graph(X, k = 6, n_threads = 1), c("idx", "dist", "n", "k", "idx", "dist", "row_names"))
      fun <- sample(c("affinities", "embed_umap", "embed_tsne", "spectral_distances", "knn_graph", "embed_fa2"), 1)
      list(label = paste0(fun, "(tampered nembed_knn)"), data = list(g = g), call = function(d) {
        switch(fun,
          affinities = nembed::affinities(d$g, perplexity = 1.5, k = 6, n_threads = 1),
          embed_umap = nembed::embed_umap(d$g, n_epochs = 20, n_threads = 1, seed = 1),
          embed_tsne = nembed::embed_tsne(d$g, perplexity = 1.5, n_iter = 40, early_iter = 10, n_threads = 1, seed = 1),
          spectral_distances = nembed::spectral_distances(d$g),
          knn_graph = nembed::knn_graph(d$g, k = 3),
          embed_fa2 = nembed::embed_fa2(d$g, k = 6, n_iter = 20, n_threads = 1, seed = 1))
      })
    },
    affinities = {
      A <- fuzz_tamper(nembed::affinities(X, perplexity = 3, n_threads = 1), c("P", "P", "n", "knn"))
      fun <- sample(c("embed_tsne", "embed_umap", "embed_fa2", "embed_contrastive"), 1)
      list(label = paste0(fun, "(tampered nembed_affinities)"), data = list(A = A), call = function(d) {
        f <- getExportedValue("nembed", fun)
        extra <- switch(fun, embed_tsne = list(n_iter = 40, early_iter = 10), embed_fa2 = list(n_iter = 20),
                        list(n_epochs = 20))
        do.call(f, c(list(d$A, n_threads = 1, seed = 1), extra))
      })
    },
    tsne = {
      e <- nembed::embed_tsne(X, perplexity = 3, n_iter = 40, early_iter = 10, n_threads = 1, seed = 1,
                              repulsion = sample(c("fft", "bh", "exact"), 1))
      e <- fuzz_tamper_record(e, c("n_interp", "min_intervals", "theta", "learning_rate", "momentum",
                                   "final_momentum", "dof", "repulsion", "intervals_per_unit",
                                   "max_step_norm", "eval_every", "early_exaggeration"))
      list(label = "continue_tsne(tampered record)", data = list(e = e),
           call = function(d) nembed::continue_tsne(d$e, n_iter = 10, n_threads = 1))
    },
    model = {
      e <- if (runif(1) < 0.5) nembed::embed_umap(X, n_epochs = 20, n_threads = 1, seed = 1)
           else nembed::embed_contrastive(X, n_epochs = 20, n_threads = 1, seed = 1)
      rec <- attr(e, "nembed_record")
      if (runif(1) < 0.3) {
        rec$reference <- fuzz_tamper(rec$reference, c("data", "metric", "n_input_cols", "pca"))
        attr(e, "nembed_record") <- rec
      } else {
        e <- fuzz_tamper_record(e, c("a", "b", "n_neighbors", "n_epochs", "learning_rate",
                                     "negative_sample_rate", "seed", "loss", "k", "n_negatives"))
      }
      list(label = paste0("embed_transform(tampered ", rec$method, " model)"),
           data = list(e = e, Xn = X[1:4, ]),
           call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1))
    },
    diagram = {
      ph <- as.data.frame(nembed::persistent_homology(stats::dist(X)))
      ph <- fuzz_tamper(ph, c("dimension", "birth", "death"))
      fun <- sample(c("detection_score", "plot", "as_persistence"), 1)
      list(label = paste0(fun, "(tampered diagram)"), data = list(ph = ph), call = function(d) {
        switch(fun, detection_score = nembed::detection_score(d$ph),
               plot = { grDevices::pdf(NULL); on.exit(grDevices::dev.off()); plot(nembed::as_persistence(d$ph)) },
               as_persistence = nembed::as_persistence(d$ph))
      })
    })
}

# Is a returned value valid? (finite coordinates, a valid graph, ...)
fuzz_valid_result <- function(r) {
  if (inherits(r, "nembed_embedding")) return(all(is.finite(as.matrix(r))) && nrow(r) >= 1)
  if (inherits(r, "nembed_knn")) {
    return(!inherits(tryCatch(nembed:::validate_knn(r), error = function(e) e), "error"))
  }
  if (inherits(r, "nembed_affinities")) {
    return(!inherits(tryCatch(nembed:::validate_affinities(r), error = function(e) e), "error"))
  }
  if (inherits(r, "dist")) return(all(is.finite(r)) && all(r >= 0))
  if (inherits(r, "nembed_persistence")) {
    return(!inherits(tryCatch(nembed:::validate_persistence(r), error = function(e) e), "error"))
  }
  if (is.numeric(r) && length(r) == 1L) return(is.finite(r))
  TRUE
}

# Runs case `id` in this process; returns one outcome token:
#   ok, nembed_error, other_error (unclassed: a defect), invalid_result, modified_input.
fuzz_run_one <- function(id, log = NULL) {
  case <- tryCatch(fuzz_case(id), error = function(e) NULL)
  if (is.null(case)) return("setup_error")
  if (!is.null(log)) cat(id, "start", case$label, "\n", file = log, append = TRUE)
  d <- case$data
  before <- unserialize(serialize(d, NULL))
  res <- tryCatch(withCallingHandlers(list(value = case$call(d)),
                                      warning = function(w) invokeRestart("muffleWarning"),
                                      message = function(m) invokeRestart("muffleMessage")),
                  error = function(e) list(error = e))
  if (!identical(d, before)) return("modified_input")
  if (!is.null(res$error)) {
    return(if (inherits(res$error, "nembed_error") && !is.null(res$error$arg)) "nembed_error" else "other_error")
  }
  if (!fuzz_valid_result(res$value)) return("invalid_result")
  "ok"
}

# Runs the cases `ids` in child R processes (one per batch; a crash ends the batch, is recorded,
# and the rest continue in a new child). Returns a data frame id, label, outcome.
fuzz_run <- function(ids, helper = NULL, libpath = .libPaths(), timeout = 600) {
  helper <- helper %||% normalizePath(file.path("tests", "testthat", "helper-fuzz.R"))
  log <- tempfile("nembed-fuzz-", fileext = ".log")
  on.exit(unlink(log), add = TRUE)
  done <- list()
  labels <- list()
  remaining <- ids
  while (length(remaining)) {
    if (file.exists(log)) unlink(log)
    child <- function(ids, helper, log) {
      suppressPackageStartupMessages(library(nembed))
      env <- new.env()
      sys.source(helper, envir = env)
      for (id in ids) {
        out <- env$fuzz_run_one(id, log)
        cat(id, out, "\n", file = log, append = TRUE)
      }
    }
    err <- tryCatch({ callr::r(child, args = list(remaining, helper, log), libpath = libpath,
                               timeout = timeout); NULL }, error = function(e) e)
    lines <- if (file.exists(log)) strsplit(readLines(log), " ") else list()
    for (l in Filter(function(l) length(l) >= 2 && l[2] == "start", lines)) {
      labels[[l[1]]] <- paste(l[-(1:2)], collapse = " ")
    }
    fin <- Filter(function(l) length(l) >= 2 && l[2] != "start", lines)
    for (l in fin) done[[l[1]]] <- l[2]
    finished <- as.integer(vapply(fin, `[`, "", 1))
    remaining <- setdiff(remaining, finished)
    if (!is.null(err) && length(remaining)) {
      # The first unfinished case took the child down (or hung it).
      dead <- remaining[1]
      done[[as.character(dead)]] <- if (inherits(err, "callr_timeout_error")) "hang" else "crash"
      remaining <- remaining[-1]
    } else if (is.null(err)) {
      remaining <- integer(0)
    }
  }
  out <- data.frame(id = ids, outcome = unlist(done[as.character(ids)]), stringsAsFactors = FALSE)
  out$label <- vapply(as.character(ids), function(i) labels[[i]] %||% "", "")
  rownames(out) <- NULL
  out
}

`%||%` <- function(a, b) if (is.null(a)) b else a
