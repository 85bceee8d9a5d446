#!/usr/bin/env bash
# The test command: installs what nembed needs, builds and installs it, runs the test suite.
# Prints a closing line "N passed, N failed[, N skipped]" and exits non-zero when a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
bash tools/build-install.sh
Rscript tools/run-testthat.R
