#!/usr/bin/env bash
# Portable-build check (issue 13): installs nembed from its source tarball into a private library
# against CRAN *source* builds of RcppParallel (which builds and bundles oneTBB) and RcppHNSW (which
# ships hnswlib's headers), inside a mount namespace in which the system's hnswlib and TBB headers
# and libraries, and Debian's r-cran-rcppparallel and r-cran-rcpphnsw, are empty. Then loads it,
# shows which hnswlib and which TBB the build and the running process used, and runs the HNSW kNN,
# t-SNE and UMAP tests. Run as root (unshare -m), from anywhere; needs cmake and the CRAN repository
# R is configured with (only for the first run per package versions).
#
# The CRAN source builds are cached in $NEMBED_PORTABLE_CACHE (default /var/cache/nembed-portable),
# one folder per R version and package versions, so repeated runs do not recompile TBB.
# NEMBED_PORTABLE_FILTER: regex on test-file names (default knn|tsne|umap).
# Every line of its own starts with "[portable]"; the last one is "[portable] OK ..." or it fails.
set -euo pipefail

say() { echo "[portable] $*"; }
now() { date +%s; }

# ---- inside the mount namespace --------------------------------------------------------------
if [ "${1:-}" = "--inside" ]; then
  work=$2 tarball=$3 root=$4
  empty_dir="$work/empty"; empty_file="$work/empty-file"
  mkdir -p "$empty_dir"; : >"$empty_file"
  hide_dir() { if [ -d "$1" ]; then mount --bind "$empty_dir" "$1"; say "hidden: $1/ (now empty)"; fi; }
  hide_dir /usr/include/hnswlib
  hide_dir /usr/include/tbb
  hide_dir /usr/include/oneapi
  for pkg in RcppParallel RcppHNSW; do
    for lib in /usr/lib/R/site-library /usr/local/lib/R/site-library /usr/lib/R/library; do
      hide_dir "$lib/$pkg"
    done
  done
  # The system's TBB libraries: bind an empty file over each real file (the symlinks then lead to it).
  for f in $(ls /usr/lib/*/libtbb*.so* /usr/lib/libtbb*.so* /lib/*/libtbb*.so* 2>/dev/null \
               | xargs -r readlink -f | sort -u); do
    mount --bind "$empty_file" "$f"; say "hidden: $f (now an empty file)"
  done

  # The CRAN source builds are made here too, with the system's TBB hidden: RcppParallel 6.2.1
  # otherwise links RcppParallel.so against a system libtbb.so.12 it finds on the linker's path
  # (seen on this machine), next to the bundled TBB it ships.
  # Versions of RcppParallel and RcppHNSW in the CRAN repository R is configured with; they key the
  # cache. Offline, the newest cache folder for this R is used.
  cache_root=${NEMBED_PORTABLE_CACHE:-/var/cache/nembed-portable}
  mkdir -p "$cache_root"
  rver=$(Rscript -e 'cat(as.character(getRversion()))')
  key=$(Rscript -e '
    if (any(getOption("repos") == "@CRAN@")) utils::chooseCRANmirror(ind = 1, local.only = TRUE)
    ap <- tryCatch(utils::available.packages(type = "source"), error = function(e) NULL)
    if (!is.null(ap) && all(c("RcppParallel", "RcppHNSW") %in% rownames(ap)))
      cat(sprintf("R-%s_RcppParallel-%s_RcppHNSW-%s", as.character(getRversion()),
                  ap["RcppParallel", "Version"], ap["RcppHNSW", "Version"]))' 2>/dev/null || true)
  if [ -z "$key" ]; then
    key=$(ls -t "$cache_root" 2>/dev/null | grep "^R-${rver}_" | head -n 1 || true)
    [ -n "$key" ] || { say "FAILED: CRAN not reachable and nothing cached in $cache_root"; exit 1; }
    say "CRAN not reachable: using the cached $key"
  fi
  cache="$cache_root/$key"
  t=$(now)
  if [ -f "$cache/.complete" ]; then
    say "CRAN source builds: cached in $cache"
  else
    say "CRAN source builds: building $key into $cache (TBB compiles, takes minutes)"
    tmp="$cache_root/.building-$key-$$"
    rm -rf "$tmp"; mkdir -p "$tmp"
    # No TBB_ROOT/TBB_LIB/TBB_INC/TBB_AUTODETECT: RcppParallel builds its bundled oneTBB.
    if ! env -u TBB_ROOT -u TBB_LIB -u TBB_INC -u TBB_AUTODETECT CMAKE_BUILD_PARALLEL_LEVEL=2 MAKEFLAGS=-j2 \
        Rscript -e '
          if (any(getOption("repos") == "@CRAN@")) utils::chooseCRANmirror(ind = 1, local.only = TRUE)
          lib <- commandArgs(TRUE)[1]
          install.packages(c("RcppParallel", "RcppHNSW"), lib = lib, type = "source", dependencies = FALSE,
                           INSTALL_opts = "--no-docs", quiet = TRUE)
          stopifnot(file.exists(file.path(lib, c("RcppParallel", "RcppHNSW"), "DESCRIPTION")))
        ' "$tmp" >"$work/cran.log" 2>&1; then
      tail -40 "$work/cran.log"; rm -rf "$tmp"; say "FAILED: CRAN source builds"; exit 1
    fi
    touch "$tmp/.complete"
    # Another run may have finished the same build meanwhile: keep the first, drop older versions.
    if [ -f "$cache/.complete" ]; then rm -rf "$tmp"; else rm -rf "$cache"; mv "$tmp" "$cache"; fi
    find "$cache_root" -mindepth 1 -maxdepth 1 -name 'R-*' ! -name "$key" -exec rm -rf {} +
    say "CRAN source builds: $(( $(now) - t )) s"
  fi
  say "RcppParallel's TBB in the cache: $(ls "$cache/RcppParallel/lib" 2>/dev/null | grep tbb | paste -sd ' ' -)"
  say "ldd RcppParallel.so, TBB: $(ldd "$cache/RcppParallel/libs/RcppParallel.so" | grep tbb | sed 's/ (0x.*//' | tr -s '\t ' ' ' | paste -sd ';' -)"
  export NEMBED_CACHE="$cache"


  lib="$work/lib"; mkdir -p "$lib"
  export R_LIBS="$lib:$cache" R_LIBS_USER="" MAKEFLAGS="-j2"
  t=$(now)
  if ! R CMD INSTALL --no-docs --no-multiarch -l "$lib" "$tarball" >"$work/install.log" 2>&1; then
    grep -v "Wignored-attributes\|required from\|In instantiation\|^  *[0-9]* |\|^      |\|In file included\|^  *from " \
      "$work/install.log" | tail -40
    say "FAILED: R CMD INSTALL of $(basename "$tarball")"; exit 1
  fi
  say "install from $(basename "$tarball"): $(( $(now) - t )) s"
  sed -n 's/^nembed configure: /[portable] configure: /p' "$work/install.log"
  first_cxx=$(grep -m 1 -- "-c knn.cpp" "$work/install.log" || true)
  say "include paths of the knn.cpp compile (the one that includes hnswlib):"
  echo "$first_cxx" | grep -o -- "-I[^ ]*" | sed 's/^/[portable]   /'
  say "link line: $(grep -m 1 -- "-shared .*-o nembed.so" "$work/install.log")"
  so="$lib/nembed/libs/nembed.so"
  say "ldd nembed.so, TBB and FFTW: $(ldd "$so" | grep -E "tbb|fftw" | sed 's/ (0x.*//' | tr -s '\t ' ' ' | paste -sd ';' -)"
  say "undefined TBB and RcppParallel symbols in nembed.so, resolved at load time from what RcppParallel loads:"
  nm -D -C --undefined-only "$so" | grep -i "tbb" | sed 's/^ *U /[portable]   /' || true

  # Load it, show where everything came from, and which libtbb the process mapped after a t-SNE.
  Rscript -e '
    suppressPackageStartupMessages(library(nembed))
    for (p in c("nembed", "RcppParallel", "RcppHNSW"))
      cat(sprintf("[portable] %s %s from %s\n", p, utils::packageVersion(p), find.package(p)))
    set.seed(1)
    x <- matrix(rnorm(600 * 10), 600)
    e <- embed_tsne(x, knn_method = "hnsw", n_threads = 2, seed = 1, verbose = FALSE)
    maps <- unique(sub("^.* ", "", grep("libtbb", readLines("/proc/self/maps"), value = TRUE)))
    cat(sprintf("[portable] libtbb mapped by the R process after an HNSW t-SNE: %s\n", paste(maps, collapse = ", ")))
    stopifnot(nrow(e) == 600, length(maps) > 0, all(startsWith(maps, Sys.getenv("NEMBED_CACHE"))))
  ' || { say "FAILED: loading nembed or the TBB it runs on"; exit 1; }

  t=$(now)
  mkdir -p "$work/pkg"; tar -xzf "$tarball" -C "$work/pkg"
  cd "$work/pkg/nembed"
  if ! NEMBED_TEST_FILTER="${NEMBED_PORTABLE_FILTER:-knn|tsne|umap}" Rscript "$root/tools/run-testthat.R" \
      >"$work/tests.log" 2>&1; then
    tail -60 "$work/tests.log"; say "FAILED: tests"; exit 1
  fi
  say "tests (${NEMBED_PORTABLE_FILTER:-knn|tsne|umap}): $(tail -n 1 "$work/tests.log") in $(( $(now) - t )) s"
  exit 0
fi

# ---- outside: tarball, CRAN source builds (cached), then the namespace --------------------------
[ "$(id -u)" = 0 ] || { say "FAILED: needs root for unshare -m"; exit 1; }
command -v cmake >/dev/null || { say "FAILED: cmake is missing (RcppParallel builds its TBB with it)"; exit 1; }
root=$(cd "$(dirname "$0")/.." && pwd)
t_all=$(now)
work=$(mktemp -d /tmp/nembed-portable.XXXXXX)
trap 'rm -rf "$work"' EXIT

t=$(now)
( cd "$work" && R CMD build --no-build-vignettes --no-manual "$root" >build.log 2>&1 ) \
  || { tail -30 "$work/build.log"; say "FAILED: R CMD build"; exit 1; }
tarball=$(ls "$work"/nembed_*.tar.gz)
say "R CMD build: $(basename "$tarball") in $(( $(now) - t )) s"

unshare -m -- bash "$0" --inside "$work" "$tarball" "$root"
say "OK: portable build check in $(( $(now) - t_all )) s"
