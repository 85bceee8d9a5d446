#!/usr/bin/env bash
# Compiles and runs core_check.cpp: every header of inst/include/nembed/ in one plain C++17 program
# with no R header on the include path (only the C++ header libraries R packages ship: Eigen,
# Spectra, hnswlib) and the serial executor, so "the core does not need R" is checked, not assumed.
# Exits non-zero when a header does not compile on its own terms or a check fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cxx="${CXX:-g++}"
incl() { Rscript -e "cat(system.file('include', package = '$1'))"; }
eigen="$(incl RcppEigen)"; spectra="$(incl RSpectra)"; hnsw="$(incl RcppHNSW)"
for d in "$eigen" "$spectra" "$hnsw"; do
  [ -n "$d" ] || { echo "core-check: a header package (RcppEigen, RSpectra, RcppHNSW) is missing" >&2; exit 2; }
done
fftw_cflags="$(pkg-config --cflags fftw3 2>/dev/null || true)"
fftw_libs="$(pkg-config --libs fftw3 2>/dev/null || echo -lfftw3)"
# Every core header, so a new one is covered without editing this script.
for h in "$root"/inst/include/nembed/*.hpp; do
  echo "#include \"nembed/$(basename "$h")\""
done > "$work/all_headers.hpp"
"$cxx" -std=c++17 -O1 -Wall -Wextra -Wno-ignored-attributes -Wno-unused-parameter \
  -DEIGEN_DONT_PARALLELIZE -I "$work" -I "$root/inst/include" -isystem "$eigen" -isystem "$spectra" \
  -isystem "$hnsw" $fftw_cflags "$root/tools/core-check/core_check.cpp" -o "$work/core_check" \
  $fftw_libs -lpthread
"$work/core_check"
