#!/usr/bin/env bash
# The main job: installs what nembed needs, builds and installs it, embeds all 70,000 Fashion-MNIST
# images with t-SNE and writes out/fashion-mnist-tsne.png and out/summary.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build-install.sh
Rscript -e 'suppressPackageStartupMessages(library(nembed)); `%||%` <- function(a, b) if (is.null(a)) b else a; source("tools/main-job.R", local = TRUE)'
