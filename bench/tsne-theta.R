# Barnes-Hut accuracy against Rtsne's theta (the embed_tsne help page, "Where the defaults differ
# from Rtsne's"): nembed compares a cell's diagonal with theta x distance, Rtsne its largest
# half-width, so Rtsne's theta = 0.5 is theta = sqrt(2) here in 2-D. This measures the relative
# error of nembed's Barnes-Hut repulsion against the exact forces, and its time, at theta = 0.5,
# 1/sqrt(2) and sqrt(2). Usage: Rscript bench/tsne-theta.R [n] (default 5000; 2 threads).
suppressPackageStartupMessages(library(nembed))
args <- commandArgs(trailingOnly = TRUE)
n <- if (length(args)) as.integer(args[1]) else 5000L
set.seed(11)
P <- affinities(matrix(rnorm(n * 5), n), perplexity = 10, n_threads = 2)$P
Y <- matrix(rnorm(n * 2, sd = 10), n)
params <- function(repulsion, theta) {
  list(n_iter = 1L, early_iter = 0L, early_exaggeration = 1, exaggeration = 1, learning_rate = 1,
       momentum = 0.5, final_momentum = 0.8, dof = 1, repulsion = repulsion, theta = theta,
       n_interp = 3L, min_intervals = 50L, intervals_per_unit = 1, max_step_norm = 5,
       eval_every = 1L, reorder_min_n = 1e9)
}
gradient <- function(repulsion, theta) {
  t0 <- proc.time()[["elapsed"]]
  g <- nembed:::tsne_gradient_cpp(P@p, P@i, P@x, Y,
                                 c(params(repulsion, theta), list(rho = 0, n_threads = 2)))$gradient
  list(g = g, seconds = proc.time()[["elapsed"]] - t0)
}
exact <- gradient("exact", 0)$g
rows <- lapply(c(0.5, 1 / sqrt(2), sqrt(2)), function(theta) {
  g <- gradient("bh", theta)$g
  data.frame(n = n, theta = round(theta, 3),
             rel_error = signif(sqrt(sum((g - exact)^2) / sum(exact^2)), 3),
             seconds = median(replicate(5, gradient("bh", theta)$seconds)))
})
out <- do.call(rbind, rows)
out$time_ratio <- round(out$seconds / out$seconds[1], 2)
print(out, row.names = FALSE)
