# One-thread CPU time of n_iter final-phase t-SNE iterations from a converged 70k layout, the same P
# and start for every library (bench/fft-time70k-prep.R first). Alternate libraries run by run:
#   R_LIBS=<lib> Rscript bench/fft-time70k-iter.R <label> auto|n12 100
a <- commandArgs(TRUE)
suppressPackageStartupMessages(library(nembed))
inp <- readRDS("/tmp/fft-work/in70k.rds")
Y0 <- readRDS(sprintf("/tmp/fft-work/conv70k-%s.rds", a[2]))
n <- nrow(Y0)
args <- list(inp$P, init = Y0, n_iter = as.integer(a[3]), early_iter = 0L, momentum = 0.8,
             learning_rate = if (a[2] == "n12") n / 12 else n, n_threads = 1, seed = 1, eval_every = 0)
if (length(a) >= 4) args$intervals_per_unit <- as.numeric(a[4])
t0 <- proc.time()
emb <- suppressWarnings(do.call(embed_tsne, args))
t1 <- proc.time() - t0
Y <- as.matrix(emb)[, 1:2]
cat(sprintf("RESULT %s %s cpu %.2f wall %.2f extent %.1f load %s\n", a[1], a[2],
            t1[["user.self"]] + t1[["sys.self"]], t1[["elapsed"]], max(apply(Y, 2, function(v) diff(range(v)))),
            readLines("/proc/loadavg")))
