# Small, fast calls through every C++ entry point of nembed, for tools/memcheck.sh (valgrind and
# ASan/UBSan). Each call is checked with stopifnot(), so a wrong result also fails the run. Sizes
# are tiny because valgrind slows code down 20-50x. Multi-threaded paths use 2 threads so TBB's
# scheduling and the executors' exception forwarding are exercised too.
suppressPackageStartupMessages(library(nembed))
t_start <- proc.time()[["elapsed"]]
step <- function(label, expr) {
  t0 <- proc.time()[["elapsed"]]
  force(expr)
  cat(sprintf("[memcheck-cases] %-45s %6.1f s\n", label, proc.time()[["elapsed"]] - t0))
}
set.seed(1)
X <- matrix(rnorm(300 * 5), 300, 5)
X[1:20, ] <- X[1:20, ] + 4  # 300 points: two 256-point blocks of the exact kNN's tiles

# kNN: exact dense (euclidean, cosine, correlation), HNSW, sparse, dist, query.
step("knn exact/cosine/correlation", {
  D <- as.matrix(dist(X)); diag(D) <- Inf
  g <- knn_graph(X, k = 10, method = "exact", n_threads = 2)
  stopifnot(isTRUE(all.equal(unname(g$dist), unname(t(apply(D, 1, sort))[, 1:10]))))
  gc1 <- knn_graph(X, k = 10, method = "exact", metric = "cosine", n_threads = 2)
  gc2 <- knn_graph(X, k = 10, method = "exact", metric = "correlation", n_threads = 1)
  stopifnot(all(is.finite(gc1$dist)), all(is.finite(gc2$dist)))
})
step("knn k-d tree (1-3 dimensions, ties, duplicates)", {
  for (p in 1:3) {
    L <- matrix(sample(0:6, 200 * p, replace = TRUE), 200, p) + 0
    D <- as.matrix(dist(L)); diag(D) <- Inf
    g <- knn_graph(L, k = 8, method = "exact", n_threads = 2)
    stopifnot(isTRUE(all.equal(unname(g$dist), unname(t(apply(D, 1, sort))[, 1:8]))))
  }
})
step("knn hnsw", {
  gh <- knn_graph(X, k = 10, method = "hnsw", n_threads = 2, seed = 1)
  ge <- knn_graph(X, k = 10, method = "exact", n_threads = 1)
  stopifnot(mean(gh$idx == ge$idx) > 0.9)
})
step("knn sparse + dist", {
  S <- Matrix::rsparsematrix(300, 30, density = 0.1)  # two 256-point blocks (knn.hpp tiles)
  gs <- knn_graph(S, k = 5, n_threads = 2)
  gd <- knn_graph(as.matrix(S), k = 5, method = "exact", n_threads = 1)
  stopifnot(isTRUE(all.equal(gs$dist, gd$dist)))
  gdist <- knn_graph(dist(X[1:50, ]), k = 5)
  stopifnot(nrow(gdist$idx) == 50)
})

# Affinities, all three methods.
step("affinities perplexity/uniform/umap", {
  P <- affinities(X, perplexity = 10, n_threads = 2)
  stopifnot(abs(sum(P$P) - 1) < 1e-9, max(abs(P$entropy - log(10))) < 1e-4)
  Pm <- affinities(X, perplexity = c(5, 15), n_threads = 2)
  Pu <- affinities(X, method = "uniform", n_threads = 2)
  Pa <- affinities(X, method = "umap", n_threads = 2)
  stopifnot(abs(sum(Pm$P) - 1) < 1e-9, abs(sum(Pu$P) - 1) < 1e-9, all(Pa$P@x <= 1 + 1e-12))
})

# t-SNE with every repulsion, 1-3 dimensions, dof != 1, continue_tsne and transform.
lab <- rep(1:2, c(20, 280))
step("tsne exact 2-D", {
  e <- embed_tsne(X, perplexity = 10, n_iter = 150, repulsion = "exact", n_threads = 2, seed = 1)
  stopifnot(all(is.finite(as.matrix(e))), knn_accuracy(e, lab, n_threads = 1) > 0.9)
})
step("tsne fft 2-D + continue (dof 0.6)", {
  e2 <- embed_tsne(X, perplexity = 10, n_iter = 150, repulsion = "fft", n_threads = 2, seed = 1)
  e3 <- continue_tsne(e2, n_iter = 30, dof = 0.6, exaggeration = 4, n_threads = 2)
  stopifnot(all(is.finite(as.matrix(e3))), knn_accuracy(e2, lab, n_threads = 1) > 0.9)
})
step("tsne renumbered along the Hilbert curve (1-D, 2-D)", {
  # Forced on small data (by default only from 65,536 points): renumbering at the start, every
  # 5 iterations of the early phase and at its end; results come back in the caller's order.
  P <- affinities(X, perplexity = 10, n_threads = 2)$P
  for (d in 1:2) {
    par <- list(n_iter = 30L, early_iter = 12L, early_exaggeration = 12, exaggeration = 1,
                learning_rate = 50, momentum = 0.5, final_momentum = 0.8, dof = 1,
                repulsion = "fft", theta = 0.5, n_interp = 3L, min_intervals = 50L,
                intervals_per_unit = 1, max_step_norm = 5, eval_every = 10L)
    Y0 <- matrix(rnorm(300 * d, sd = 1e-4), 300)
    a <- nembed:::tsne_cpp(P@p, P@i, P@x, Y0, c(par, n_threads = 2L))
    b <- nembed:::tsne_cpp(P@p, P@i, P@x, Y0, c(par, reorder_min_n = 0, reorder_every = 5L,
                                                n_threads = 2L))
    stopifnot(isTRUE(all.equal(a$Y, b$Y, tolerance = 1e-4)))
  }
  o <- nembed:::hilbert_order_cpp(X[, 1:2])
  stopifnot(identical(sort(o), seq_len(nrow(X))))
})
step("tsne fft near field (forced; dof 1, 0.7; every vector path)", {
  # The near/far split on a layout 120 units wide (at most 300 points it would not be needed):
  # repulsion against the exact sum, then a few iterations.
  P <- affinities(X, perplexity = 10, n_threads = 2)$P
  Y <- matrix(rnorm(600, sd = 25), 300)
  for (dof in c(1, 0.7)) {
    par <- list(n_iter = 10L, early_iter = 0L, early_exaggeration = 12, exaggeration = 1,
                learning_rate = 50, momentum = 0.5, final_momentum = 0.8, dof = dof,
                repulsion = "fft", theta = 0.5, n_interp = 3L, min_intervals = 50L,
                intervals_per_unit = 1.25, near_radius = 4, near_always = TRUE, max_step_norm = 5,
                eval_every = 5L)
    grad <- function(rep, simd) {
      nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y, c(modifyList(par, list(repulsion = rep)),
                                 list(rho = 0, n_threads = 2L, simd = simd)))$gradient
    }
    ex <- grad("exact", "portable")
    for (simd in c("portable", "sse2", "avx")) {  # each capped at what the CPU has
      g <- grad("fft", simd)
      stopifnot(sqrt(sum((g - ex)^2) / sum(ex^2)) < 0.05)
    }
    r <- nembed:::tsne_cpp(P@p, P@i, P@x, Y, c(par, n_threads = 2L))
    stopifnot(all(is.finite(r$Y)))
  }
})
step("tsne fft 1-D", {
  e1 <- embed_tsne(X, perplexity = 10, n_components = 1, n_iter = 100, repulsion = "fft",
                   n_threads = 2, seed = 1)
  stopifnot(all(is.finite(as.matrix(e1))))
})
step("tsne bh 2-D and 3-D", {
  eb <- embed_tsne(X, perplexity = 10, n_iter = 100, repulsion = "bh", n_threads = 2, seed = 1)
  eb3 <- embed_tsne(X, perplexity = 10, n_components = 3, n_iter = 60, repulsion = "bh",
                    n_threads = 2, seed = 1)
  stopifnot(all(is.finite(as.matrix(eb))), ncol(as.matrix(eb3)) == 3)
})
step("tsne transform", {
  e <- embed_tsne(X[21:300, ], perplexity = 10, n_iter = 100, n_threads = 2, seed = 1)
  tr <- embed_transform(e, X[1:20, ], n_iter = 50, n_threads = 2)
  stopifnot(nrow(tr) == 20, all(is.finite(as.matrix(tr))))
})
step("umap SGD lanes on every vector path, with second batches (negative_rate 9)", {
  P <- nembed:::as_weight_matrix(affinities(X[21:300, ], method = "umap", k = 10, n_threads = 2)$P, "X")
  Y0 <- matrix(stats::rnorm(nrow(P) * 2), ncol = 2)
  run <- function(simd, rate) nembed:::umap_sgd_cpp(Y0, P, list(n_epochs = 10L, a = 1.6, b = 0.9,
    gamma = 1, negative_rate = rate, learning_rate = 1, seed = 1L, n_threads = 2L,
    verbose = FALSE, simd = simd))
  for (rate in c(5, 9)) {
    ref <- run("portable", rate)
    for (simd in c("sse2", "avx")) stopifnot(identical(run(simd, rate), ref))  # capped at the CPU's
  }
})
step("umap and contrastive transform", {
  eu <- embed_umap(X[21:300, ], n_epochs = 30, init = "pca", n_threads = 2, seed = 1)
  tu <- embed_transform(eu, X[1:20, ], n_threads = 2)
  ec <- embed_contrastive(X[21:300, ], loss = "infonce", n_components = 3, n_epochs = 20,
                          n_threads = 2, seed = 1)
  tc <- embed_transform(ec, X[1:20, ], n_threads = 2)
  stopifnot(nrow(tu) == 20, all(is.finite(as.matrix(tu))), ncol(as.matrix(tc)) == 3,
            all(is.finite(as.matrix(tc))))
})

# Wasserstein distances (Gaussian, C++) and embedding.
step("parametric network: train and transform", {
  e <- embed_parametric(X, hidden = c(8, 8), n_epochs = 3, batch_size = 64, n_threads = 2, seed = 1)
  Y <- embed_transform(e, X[1:10, ], n_threads = 2)
  stopifnot(all(is.finite(as.matrix(Y))), all(is.finite(as.matrix(e))))
})
step("wasserstein", {
  hgm <- hierarchical_gaussian_mixture(n_units = 20, n_samples = 15, seed = 1)
  d <- wasserstein_distances(hgm$X, hgm$groups, n_threads = 2)
  stopifnot(attr(d, "Size") == 20, all(d >= 0))
  ew <- embed_wasserstein(hgm$X, hgm$groups, perplexity = 4, n_threads = 2, seed = 1)
  stopifnot(nrow(ew) == 20)
})

# Runs the cases of a table (helper-bad-input.R format) whose names match `pattern`: each must
# end as expected (a nembed_error, or "ok" with its check passing) with its inputs unchanged.
run_table_subset <- function(cases, pattern, what, run_case) {
  pick <- grep(pattern, names(cases), value = TRUE)
  for (nm in pick) {
    r <- run_case(cases[[nm]])
    ok <- r$unchanged && if (cases[[nm]]$expect == "ok") {
      r$outcome == "ok" && isTRUE(r$checked)  # run_bad_input_case() checks the result itself
    } else startsWith(r$outcome, "nembed_error")
    if (!ok) stop(what, " case failed under memcheck: ", nm)
  }
  cat(sprintf("[memcheck-cases] %d %s cases\n", length(pick), what))
}
helper <- Sys.getenv("NEMBED_BAD_INPUT_HELPER", "tests/testthat/helper-bad-input.R")
table_env <- new.env()
sys.source(helper, envir = table_env)
sys.source(file.path(dirname(helper), "helper-abuse.R"), envir = table_env)

# A subset of the bad-input table that reaches C++ (degenerate data) or fails right before it.
step("bad-input subset", run_table_subset(
  table_env$bad_input_cases(),
  "identical|no non-zeros|explicit zeros|all-zero|1e4|cosine|correlation|one row works|integer matrix|n - 1",
  "bad-input", table_env$run_bad_input_case))
# Issue 14: edited objects (graphs, affinities, run records, models) must be stopped by the R
# validators before C++ reads them; under ASan/valgrind a miss is a report, not just a wrong
# result. The three crashes of the issue and one edit per kind of object (the whole table takes
# 17 s natively but 3.5 min under valgrind).
step("tampered-object subset", run_table_subset(
  table_env$abuse_cases(),
  "out of range|cut to its first rows|n_interp|NA index|n edited|tampered affinities|rotation|listed twice",
  "tampered-object", table_env$run_bad_input_case))
cat(sprintf("[memcheck-cases] all done in %.1f s\n", proc.time()[["elapsed"]] - t_start))
