#!/usr/bin/env bash
# Issue 16's benchmarks, one after the other, on an otherwise idle machine (each script runs its
# peers in the same run and saves its table under bench/results/). Load averages before and
# after each script go to bench/results/issue16-load.log, so the figures can be judged.
# Run from the repository root: bash bench/issue16.sh
set -euo pipefail
cd "$(dirname "$0")/.."
log=bench/results/issue16-load.log
: > "$log"
run() {
  echo "$(date -u '+%F %T') start $* | load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  env "$@"
  echo "$(date -u '+%F %T') end   $* | load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
}
run Rscript bench/knn.R
run BENCH_UMAP_ONLY=1 BENCH_SEEDS=1,2,3 Rscript bench/umap.R
run NEMBED_BENCH_N=10000 NEMBED_BENCH_OUT=tsne-10000 Rscript bench/tsne.R
run NEMBED_BENCH_N=70000 NEMBED_BENCH_OUT=tsne Rscript bench/tsne.R
run Rscript bench/pca.R 70000
