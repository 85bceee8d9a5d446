# Issue 14's regression table: tampered objects, silently wrong results, non-finite outputs and
# unclassed refusals, each reproduced first against the unfixed package (three took R down). Same
# case format as helper-bad-input.R (run by run_bad_input_case(), checked by expect_case()), so
# test-abuse.R can replay the whole table in a child R process as well.

abuse_cases <- function() {
  set.seed(14)
  X <- matrix(stats::rnorm(60 * 3), 60, 3)
  X[1:20, ] <- X[1:20, ] + 3
  knn <- function(X, k = 10) nembed::knn_graph(X, k = k, method = "exact", n_threads = 1)
  umap <- function(X, ...) nembed::embed_umap(X, n_epochs = 20, n_threads = 1, seed = 1, ...)
  contrastive <- function(X, ...) nembed::embed_contrastive(X, n_epochs = 20, n_threads = 1, seed = 1, ...)
  fa2 <- function(X, ...) nembed::embed_fa2(X, n_iter = 20, n_threads = 1, seed = 1, ...)
  tsne <- function(X, ...) nembed::embed_tsne(X, perplexity = 5, n_iter = 60, early_iter = 20,
                                             n_threads = 1, seed = 1, ...)
  all_finite <- function(e) all(is.finite(as.matrix(e)))
  # A run record edited in one place.
  edit_record <- function(emb, f) {
    r <- attr(emb, "nembed_record")
    attr(emb, "nembed_record") <- f(r)
    emb
  }
  with_tsne <- function(f) function() list(e = edit_record(tsne(X, repulsion = "fft"), f))
  with_umap <- function(f) function() list(e = edit_record(umap(X), f), Xn = X[1:5, ])
  edit_knn <- function(f) function() { g <- knn(X); list(g = f(g)) }
  # The graph as BiocNeighbors might return it, but with each row in reversed distance order.
  reversed_list <- function() {
    g <- knn(X)
    list(L = list(idx = g$idx[, 10:1], dist = g$dist[, 10:1]), g = g)
  }
  aff <- function(f) function() {
    A <- nembed::affinities(X, perplexity = 5, n_threads = 1)
    list(A = f(A))
  }
  diagram <- function() nembed::persistent_homology(stats::dist(X[1:25, ]), max_dim = 1)
  gg <- requireNamespace("ggplot2", quietly = TRUE)
  sce <- requireNamespace("SingleCellExperiment", quietly = TRUE)

  cases <- list(
    # ------------------------------------------------------------------- crashes (R went down)
    list(name = "affinities: nembed_knn with an index out of range",
         data = edit_knn(function(g) { g$idx[5, 3] <- 1000L; g }),
         call = function(d) nembed::affinities(d$g, perplexity = 3, k = 10, n_threads = 1),
         expect = "x", class = "value"),
    list(name = "embed_umap: nembed_knn cut to its first rows",
         data = edit_knn(function(g) { g$idx <- g$idx[1:30, ]; g$dist <- g$dist[1:30, ]; g }),
         call = function(d) umap(d$g), expect = "X", class = "size"),
    list(name = "embed_umap: nembed_knn cut to its first rows, n edited to match",
         data = edit_knn(function(g) { g$idx <- g$idx[1:30, ]; g$dist <- g$dist[1:30, ]; g$n <- 30L; g }),
         call = function(d) umap(d$g), expect = "X", class = "value"),
    list(name = "continue_tsne: run record with n_interp = 0",
         data = with_tsne(function(r) { r$params$n_interp <- 0; r }),
         call = function(d) nembed::continue_tsne(d$e, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "value"),
    # ---------------------------------------------------------------- other tampered objects
    list(name = "embed_tsne: nembed_knn with index 0", data = edit_knn(function(g) { g$idx[5, 3] <- 0L; g }),
         call = function(d) tsne(d$g), expect = "X", class = "value"),
    list(name = "embed_fa2: nembed_knn with an NA index", data = edit_knn(function(g) { g$idx[5, 3] <- NA; g }),
         call = function(d) fa2(d$g, k = 10), expect = "X", class = "value"),
    list(name = "embed_contrastive: nembed_knn with a fractional index",
         data = edit_knn(function(g) { g$idx <- g$idx + 0; g$idx[2, 2] <- 2.5; g }),
         call = function(d) contrastive(d$g, k = 10), expect = "X", class = "value"),
    list(name = "embed_laplacian: nembed_knn listing a point as its own neighbour",
         data = edit_knn(function(g) { g$idx[7, 1] <- 7L; g }),
         call = function(d) nembed::embed_laplacian(d$g, k = 10, n_threads = 1, seed = 1),
         expect = "X", class = "value"),
    list(name = "spectral_distances: nembed_knn with negative distance",
         data = edit_knn(function(g) { g$dist[3, 1] <- -1; g }),
         call = function(d) nembed::spectral_distances(d$g), expect = "x", class = "value"),
    list(name = "embed_umap: nembed_knn with rows out of distance order",
         data = edit_knn(function(g) { g$dist[4, ] <- rev(g$dist[4, ]); g }),
         call = function(d) umap(d$g), expect = "X", class = "value"),
    list(name = "embed_tsne: affinities with a row index out of range",
         data = aff(function(A) { A$P@i[3] <- 500L; A }),
         call = function(d) tsne(d$A), expect = "X", class = "value"),
    list(name = "embed_tsne: affinities with n edited",
         data = aff(function(A) { A$n <- 100L; A }),
         call = function(d) tsne(d$A), expect = "X", class = "size"),
    list(name = "embed_tsne: affinities whose P is dense",
         data = aff(function(A) { A$P <- as.matrix(A$P); A }),
         call = function(d) tsne(d$A), expect = "X", class = "type"),
    list(name = "continue_tsne: run record with an unknown repulsion",
         data = with_tsne(function(r) { r$params$repulsion <- "foo"; r }),
         call = function(d) nembed::continue_tsne(d$e, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "continue_tsne: run record with momentum 1",
         data = with_tsne(function(r) { r$params$momentum <- 1; r }),
         call = function(d) nembed::continue_tsne(d$e, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "continue_tsne: run record with tampered affinities",
         data = with_tsne(function(r) { r$affinities$P@x[1] <- Inf; r }),
         call = function(d) nembed::continue_tsne(d$e, n_iter = 5, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "embed_transform: UMAP model with a PCA rotation of the wrong shape",
         data = function() {
           Xw <- cbind(X, X, X, X)[, 1:12]
           e <- nembed::embed_umap(Xw, n_epochs = 20, n_threads = 1, seed = 1, pca = TRUE)
           e <- edit_record(e, function(r) {
             r$reference$pca <- list(rotation = diag(3), center = rep(0, 3)); r
           })
           list(e = e, Xn = Xw[1:4, ])
         },
         call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1),
         expect = "embedding", class = "size"),
    list(name = "detection_score: diagram with a death before its birth",
         data = function() list(ph = data.frame(dimension = 1, birth = c(0.5, 0.2), death = c(0.1, 1))),
         call = function(d) nembed::detection_score(d$ph), expect = "ph", class = "value"),
    # ------------------------------------------------------------------ silently wrong results
    list(name = "affinities: precomputed neighbours not sorted by distance",
         data = reversed_list,
         call = function(d) nembed::affinities(d$L, method = "umap", k = 10, n_threads = 1),
         expect = "ok", check = function(r, d) {
           # the same fuzzy graph as from the sorted graph (independently: knn_graph's own)
           ref <- nembed::affinities(d$g, method = "umap", k = 10, n_threads = 1)
           max(abs(r$P - ref$P)) < 1e-12
         }),
    list(name = "knn_graph: precomputed neighbour listed twice",
         data = function() {
           g <- knn(X)
           idx <- g$idx
           idx[1, 2] <- idx[1, 1]
           list(L = list(idx = idx, dist = g$dist))
         },
         call = function(d) nembed::knn_graph(d$L, k = 10), expect = "X", class = "value"),
    list(name = "embed_umap: all-zero init", data = function() list(X = X, init = matrix(0, 60, 2)),
         call = function(d) umap(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_contrastive: all-zero init", data = function() list(X = X, init = matrix(0, 60, 2)),
         call = function(d) contrastive(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_fa2: constant init", data = function() list(X = X, init = cbind(rep(1, 60), 2)),
         call = function(d) fa2(d$X, init = d$init), expect = "init", class = "value"),
    list(name = "embed_tsne: all-zero init", data = function() list(X = X, init = matrix(0, 60, 2)),
         call = function(d) tsne(d$X, init = d$init), expect = "init", class = "value"),
    # --------------------------------------------------------------------- non-finite results
    list(name = "embed_umap: a = 1e300", data = function() list(X = X),
         call = function(d) umap(d$X, a = 1e300, b = 1), expect = "a", class = "value"),
    list(name = "embed_umap: b = 1e3", data = function() list(X = X),
         call = function(d) umap(d$X, a = 1, b = 1e3), expect = "b", class = "value"),
    list(name = "embed_fa2: scaling_ratio = 1e300", data = function() list(X = X),
         call = function(d) fa2(d$X, scaling_ratio = 1e300), expect = "scaling_ratio", class = "value"),
    list(name = "embed_tsne: NA inside the affinity matrix",
         data = aff(function(A) { A$P@x[3] <- NA; A }),
         call = function(d) tsne(d$A), expect = "X", class = "value"),
    list(name = "embed_umap: NaN inside the affinity matrix",
         data = aff(function(A) { A$P@x[3] <- NaN; A }),
         call = function(d) umap(d$A), expect = "X", class = "value"),
    list(name = "embed_transform: UMAP model with a = NA",
         data = with_umap(function(r) { r$params$a <- NA_real_; r }),
         call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1),
         expect = "embedding", class = "value"),
    list(name = "embed_transform: contrastive model with c = -1",
         data = function() {
           e <- edit_record(contrastive(X), function(r) { r$c <- -1; r })
           list(e = e, Xn = X[1:5, ])
         },
         call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1),
         expect = "embedding", class = "value"),
    # ------------------------------------------------------- unclassed or wrong refusals
    list(name = "embed_spectrum: single-column data", data = function() list(X = X[, 1, drop = FALSE]),
         call = function(d) nembed::embed_spectrum(d$X, exaggeration = c(1, 4), perplexity = 5,
                                                   n_threads = 1, seed = 1, n_iter = 60, early_iter = 20),
         expect = "ok", check = function(r, d) all(is.finite(r$x)) && all(is.finite(r$y)) &&
           nrow(r) == 2 * nrow(d$X)),
    list(name = "embed_spectrum: identical points", data = function() list(X = matrix(1, 40, 3)),
         call = function(d) nembed::embed_spectrum(d$X, exaggeration = 1, perplexity = 5,
                                                   n_threads = 1, seed = 1, n_iter = 60, early_iter = 20),
         expect = "ok", check = function(r, d) all(is.finite(r$x)) && nrow(r) == 40),
    list(name = "persistent_homology: threshold = 1e300 is no threshold",
         data = function() list(d = stats::dist(X[1:25, ])),
         call = function(d) nembed::persistent_homology(d$d, threshold = 1e300),
         expect = "ok", check = function(r, d) {
           # Independent reference for H0: the merge heights of single linkage.
           ref <- sort(stats::hclust(d$d, method = "single")$height)
           isTRUE(all.equal(sort(r$death[r$dimension == 0 & is.finite(r$death)]), ref,
                            tolerance = 1e-6)) && sum(r$dimension == 0 & is.infinite(r$death)) == 1
         }),
    list(name = "embed_pca: seed = \"a\"", data = function() list(X = X),
         call = function(d) nembed::embed_pca(d$X, seed = "a"), expect = "seed", class = "type"),
    list(name = "pca: seed = -1", data = function() list(X = X),
         call = function(d) nembed::pca(d$X, 2, seed = -1), expect = "seed", class = "value"),
    list(name = "plot: colour vector of the wrong length",
         data = function() list(e = nembed::embed_pca(X)),
         call = function(d) plot(d$e, color = 1:3), expect = "color", class = "size"),
    list(name = "plot_units: colour vector of the wrong length",
         data = function() {
           h <- nembed::hierarchical_gaussian_mixture(n_units = 12, n_samples = 10, seed = 1)
           list(h = h, e = nembed::embed_wasserstein(h$X, h$groups, perplexity = 3, n_iter = 50,
                                                     n_threads = 1, seed = 1))
         },
         call = function(d) nembed::plot_units(d$e, d$h$X, d$h$groups, color = 1:2),
         expect = "color", class = "size"),
    list(name = "plot: empty persistence diagram",
         data = function() list(ph = nembed::as_persistence(diagram()[0, ])),
         call = function(d) plot(d$ph), expect = "ok", check = function(r, d) identical(r, d$ph)),
    # ------------------------------------------------ issue 13 part 3: arguments never vanish
    list(name = "affinities: knn_graph arguments with a graph", data = edit_knn(identity),
         call = function(d) nembed::affinities(d$g, k = 10, perplexity = 3, metric = "cosine"),
         expect = "metric", class = "type"),
    list(name = "embed_umap: misspelled argument", data = function() list(X = X),
         call = function(d) umap(d$X, n_neighbours = 5), expect = "n_neighbours", class = "type")
  )
  # Found by the fuzzer (helper-fuzz.R) after the fixes above, each reproduced first.
  cases <- c(cases, list(
    list(name = "knn_graph: sparse data with values of 1e200 (distances overflowed, indices 0)",
         data = function() list(X = methods::as(X[1:5, ] * 1e200, "CsparseMatrix")),
         call = function(d) nembed::knn_graph(d$X, k = 2, n_threads = 1), expect = "X", class = "value"),
    list(name = "as_persistence: a death edited below its birth",
         data = function() { ph <- as.data.frame(diagram()); ph$birth[2] <- 2 * ph$death[2] + 1; list(ph = ph) },
         call = function(d) nembed::as_persistence(d$ph), expect = "x", class = "value"),
    list(name = "as_persistence: dimension 1e300",
         data = function() { ph <- as.data.frame(diagram()); ph$dimension[3] <- 1e300; list(ph = ph) },
         call = function(d) nembed::as_persistence(d$ph), expect = "x", class = "value"),
    list(name = "embed_transform: UMAP model whose reference$pca is a number",
         data = with_umap(function(r) { r$reference$pca <- 1; r }),
         call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1),
         expect = "embedding", class = "type"),
    list(name = "embed_transform: contrastive model with n_epochs = 1e9 (ran for hours)",
         data = function() {
           e <- edit_record(contrastive(X), function(r) { r$params$n_epochs <- 1e9; r })
           list(e = e, Xn = X[1:5, ])
         },
         call = function(d) nembed::embed_transform(d$e, d$Xn, n_threads = 1),
         expect = "embedding", class = "size"),
    list(name = "embed_tsne: affinities whose n is a vector",
         data = aff(function(A) { A$n <- c(60, 60); A }),
         call = function(d) tsne(d$A), expect = "X", class = "size"),
    list(name = "embed_umap: n_components = 1e9", data = function() list(X = X),
         call = function(d) umap(d$X, n_components = 1e9), expect = "n_components", class = "size"),
    list(name = "distance_correlation: identical points gave NA", data = function() list(X = matrix(1, 10, 3)),
         call = function(d) nembed::distance_correlation(d$X, matrix(stats::rnorm(20), 10), n_pairs = 50),
         expect = "X", class = "value"),
    list(name = "noisy_circle: dim = 1e9 (R ran out of memory)", data = function() list(),
         call = function(d) nembed::noisy_circle(n = 20, dim = 1e9), expect = "dim", class = "size"),
    list(name = "distance_correlation: n_pairs = 1e9 (R ran out of memory)", data = function() list(X = X),
         call = function(d) nembed::distance_correlation(d$X, d$X[, 1:2], n_pairs = 1e9),
         expect = "n_pairs", class = "size")
  ))
  if (gg) {
    emb <- function() list(e = nembed::embed_pca(X), v = seq_len(60))
    cases <- c(cases, list(
      list(name = "autoplot: colour = is used, as in ggplot2", data = emb,
           call = function(d) ggplot2::autoplot(d$e, colour = d$v), expect = "ok",
           check = function(r, d) identical(r$data$colour_value, d$v) && identical(r$labels$colour, "d$v")),
      list(name = "autoplot: color and colour both given", data = emb,
           call = function(d) ggplot2::autoplot(d$e, color = d$v, colour = d$v),
           expect = "colour", class = "value"),
      list(name = "autoplot: unknown argument", data = emb,
           call = function(d) ggplot2::autoplot(d$e, colr = d$v), expect = "colr", class = "type"),
      list(name = "autoplot: colour vector of the wrong length", data = emb,
           call = function(d) ggplot2::autoplot(d$e, colour = 1:3), expect = "color", class = "size"),
      list(name = "autoplot: empty persistence diagram",
           data = function() list(ph = nembed::as_persistence(diagram()[0, ])),
           call = function(d) ggplot2::ggplot_build(ggplot2::autoplot(d$ph)), expect = "ok",
           check = function(r, d) nrow(r$data[[length(r$data)]]) == 0L),
      list(name = "autoplot: Wasserstein embedding with a colour of the wrong length",
           data = function() {
             h <- nembed::hierarchical_gaussian_mixture(n_units = 12, n_samples = 10, seed = 1)
             list(e = nembed::embed_wasserstein(h$X, h$groups, perplexity = 3, n_iter = 50,
                                                n_threads = 1, seed = 1))
           },
           call = function(d) ggplot2::autoplot(d$e, colour = 1:2), expect = "color", class = "size")
    ))
  }
  if (sce) {
    cases <- c(cases, list(
      # A stored t-SNE continues (its affinities are rebuilt from the record's reference data,
      # test-sce.R); one whose record lost that data is refused with a classed error.
      list(name = "continue_tsne: a t-SNE stored in a SingleCellExperiment, reference data removed",
           data = function() {
             s <- SingleCellExperiment::SingleCellExperiment(list(logcounts = t(X)))
             s <- nembed::embed_tsne(s, perplexity = 5, n_iter = 60, early_iter = 20,
                                     n_threads = 1, seed = 1, n_pca = NULL)
             e <- nembed::sce_embedding(s, "TSNE")
             rec <- attr(e, "nembed_record")
             rec$reference <- NULL
             attr(e, "nembed_record") <- rec
             list(e = e)
           },
           call = function(d) nembed::continue_tsne(d$e, n_iter = 5, n_threads = 1),
           expect = "embedding", class = "value")
    ))
  }
  names(cases) <- vapply(cases, `[[`, "", "name")
  cases
}
