#!/usr/bin/env bash
# Regenerates Rcpp glue and roxygen docs, then installs nembed into the R library
# (or into $NEMBED_LIB when set, so several checkouts can be installed side by side).
set -euo pipefail
cd "$(dirname "$0")/.."
# Logs per target library, so builds of several checkouts do not overwrite each other's.
log_tag=$(echo "${NEMBED_LIB:-default}" | tr -c "a-zA-Z0-9" "_")
Rscript -e 'Rcpp::compileAttributes(".")' >/dev/null
Rscript -e 'suppressMessages(roxygen2::roxygenise(".", roclets = c("rd", "namespace"), load_code = "source"))' \
  >/tmp/nembed-roxygen-${log_tag}.log 2>&1 || { cat /tmp/nembed-roxygen-${log_tag}.log; exit 1; }
grep -i "warning\|error" /tmp/nembed-roxygen-${log_tag}.log || true
lib_args=()
if [ -n "${NEMBED_LIB:-}" ]; then mkdir -p "$NEMBED_LIB"; lib_args=(-l "$NEMBED_LIB"); fi
MAKEFLAGS="-j2" R CMD INSTALL --preclean --no-docs --no-multiarch "${lib_args[@]}" . >/tmp/nembed-install-${log_tag}.log 2>&1 \
  || { grep -v "Wignored-attributes\|required from\|In instantiation\|^  *[0-9]* |\|^      |\|In file included\|^  *from " /tmp/nembed-install-${log_tag}.log | tail -40; exit 1; }
echo "[build-install] nembed installed"
