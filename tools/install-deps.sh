#!/usr/bin/env bash
# Installs everything nembed needs on a fresh Debian bookworm machine (root): Debian's prebuilt
# r-cran-*/r-bioc-* binaries where they exist, CRAN for the rest. Idempotent and quick when all is there.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

APT_PKGS=(
  r-cran-rcpp r-cran-rcppeigen r-cran-rcppparallel r-cran-matrix r-cran-irlba r-cran-rspectra
  libfftw3-dev libhnswlib-dev
  r-cran-testthat r-cran-roxygen2 r-cran-pkgbuild r-cran-callr r-cran-withr r-cran-knitr r-cran-rmarkdown pandoc
  r-cran-ggplot2 r-cran-rtsne r-cran-uwot r-cran-fnn r-cran-rcpphnsw
  r-bioc-singlecellexperiment r-bioc-scater r-bioc-hsmmsinglecell r-cran-seurat
  dataset-fashion-mnist ripser qpdf
  cmake        # tools/portable-check.sh: CRAN's RcppParallel builds its bundled TBB with CMake
  devscripts   # checkbashisms: R CMD check --as-cran needs it for configure and cleanup
)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[install-deps] apt-get install ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# CRAN packages Debian does not ship (built from source), from the CRAN repository R is configured
# with (Debian's R: /etc/R/Rprofile.site); only when none is set ("@CRAN@") does R pick the first
# entry of its own mirror list. No repository address is written here.
Rscript -e '
if (any(getOption("repos") == "@CRAN@")) utils::chooseCRANmirror(ind = 1, local.only = TRUE)
need <- c("ripserr", "transport")
have <- rownames(installed.packages())
todo <- setdiff(need, have)
# transport needs Eigen 3.4 (RcppEigen >= 0.3.4); Debian bookworm ships 0.3.3.9.3.
if ("transport" %in% todo && utils::packageVersion("RcppEigen") < "0.3.4") todo <- c("RcppEigen", todo)
if (length(todo)) {
  message("[install-deps] CRAN: ", paste(todo, collapse = ", "))
  install.packages(todo, Ncpus = 2, quiet = TRUE)
}
stopifnot(all(need %in% rownames(installed.packages())))
'
