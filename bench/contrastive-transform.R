# Accuracy of embed_transform() for contrastive embeddings on Fashion-MNIST: embed the 5,000 first
# images of the tests' fashion_subset() (NEG at s = 0, InfoNCE; defaults, one thread), place the
# others, and let the 10 nearest training points in the embedding vote. Prints the training kNN
# accuracy, the test accuracy of the start (mean of the neighbours) and after the transform, and
# the transform's CPU time. Run from the repository root: Rscript bench/contrastive-transform.R
suppressPackageStartupMessages(library(nembed))
for (f in list.files("tests/testthat", "^helper", full.names = TRUE)) source(f)
fm <- fashion_subset()
tr <- 1:5000

for (loss in c("neg", "infonce")) {
  emb <- if (loss == "neg") embed_contrastive(fm$X[tr, ], loss = "neg", s = 0, n_threads = 1, seed = 1) else embed_contrastive(fm$X[tr, ], loss = "infonce", n_threads = 1, seed = 1)
  t0 <- proc.time()
  new <- embed_transform(emb, fm$X[-tr, ], n_threads = 1)
  t1 <- proc.time() - t0
  cat(loss, "train knn acc", knn_accuracy(emb, fm$labels[tr], n_threads = 1),
      "test acc", transfer_accuracy(emb, new, fm$labels[tr], fm$labels[-tr]),
      "init acc", transfer_accuracy(emb, embedding_record(new)$init, fm$labels[tr], fm$labels[-tr]),
      "transform cpu", t1[["user.self"]] + t1[["sys.self"]], "load", readLines("/proc/loadavg"), "\n")
}
