#!/usr/bin/env bash
# Regenerates Rcpp glue and roxygen docs, then installs nembed into the R library
# (or into $NEMBED_LIB when set, so several checkouts can be installed side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
Rscript -e 'Rcpp::compileAttributes(".")' >/dev/null
Rscript -e 'suppressMessages(roxygen2::roxygenise(".", roclets = c("rd", "namespace")))' 2>&1 \
  | grep -v "^Loading\|^Writing\|^ℹ\|^Re-compiling\|^─\|^   \|^\s*$" || true
lib_args=()
if [ -n "${NEMBED_LIB:-}" ]; then mkdir -p "$NEMBED_LIB"; lib_args=(-l "$NEMBED_LIB"); fi
MAKEFLAGS="-j2" R CMD INSTALL --no-docs --no-multiarch "${lib_args[@]}" . > /tmp/nembed-install.log 2>&1 \
  || { tail -40 /tmp/nembed-install.log; exit 1; }
