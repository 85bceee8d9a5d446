#!/usr/bin/env bash
# Memory checks for nembed: tools/memcheck-cases.R (small calls through every C++ entry point plus
# a subset of the bad-input table) run
#   (a) under valgrind memcheck against the normally built package, and
#   (b) against a build compiled with -fsanitize=address,undefined (gcc, ASan runtime preloaded).
#
# Usage:   tools/memcheck.sh [valgrind|asan|all]        (default: all)
# Env:     NEMBED_LIB       library holding the normal build for (a); built there if nembed is
#                           missing (default: the default library)
#          NEMBED_ASAN_LIB  library for the sanitizer build (default /tmp/nembed-asan-lib)
#          MEMCHECK_LOGDIR  where the logs go (default /tmp/nembed-memcheck)
# Exit status: non-zero if either part finds an error (valgrind: any memory error or a
# "definitely lost" leak; ASan/UBSan: any report), or a case fails its own checks.
#
# Cost (measured 2026-11-23 on the 2-core dev machine while shared, load average ~9):
#   (a) valgrind: 7.6 min wall (the cases take 4.8 s natively, 141 s under valgrind; R start-up
#       and the exit leak scan take the rest);
#   (b) sanitizer build 15.9 min from scratch (-O1 -fsanitize; ~5 min on an idle machine), or
#       ~1-2 min with NEMBED_ASAN_INCREMENTAL=1 when only some sources changed (flag changes are
#       not tracked: delete the copy's src/*.o then); the run itself takes ~10 s.
# Measured again 2026-11-30 on the idle machine: (a) 64 s in all (cases 34.5 s under valgrind),
# (b) build 157 s, run 7 s.
# In CI since issue 14: .ci/run calls tools/ci-sanitizers.sh, which runs (b) then (a); its cost
# on the shared machine is in the README ("Memory checks and fuzzing").
#
# Why these settings:
# - valgrind: --errors-for-leak-kinds=definite, because R and TBB keep "possibly lost" and "still
#   reachable" blocks by design (R's heap, TBB's thread-local pools). The R-level suppressions file
#   tools/valgrind.supp only holds known, not-ours reports (see the comments in it).
# - ASan build with -DNO_MANUAL_VECTORIZATION: hnswlib's SSE path prefetches the id one past the
#   end of a full upper-level link list (`*(datal + j + 1)` in searchBaseLayer), a 4-byte heap
#   over-read that ASan reports (upstream nmslib/hnswlib#107, #578; fix PR #459 not merged). The
#   value only feeds a prefetch hint and the read stays inside glibc's 8-byte-rounded chunk, so it
#   is harmless; ASan has no suppression for heap reads, hence the build flag. It changes only
#   hnswlib (scalar distances, no prefetch); valgrind (a) checks the normal SSE build.
# - ASan build with -UNDEBUG (after R's -DNDEBUG): the debug asserts of the glue (indices and
#   sparse slots checked again after the R validators, issue 14) are compiled in.
# - ASan: detect_leaks=0 because R itself never frees much at exit; the preload is needed because
#   the R binary is not instrumented but the package .so is. UBSan reports are made fatal.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
logdir=${MEMCHECK_LOGDIR:-/tmp/nembed-memcheck}
mkdir -p "$logdir"
status=0
export NEMBED_BAD_INPUT_HELPER="$PWD/tests/testthat/helper-bad-input.R"

run_valgrind() {
  local lib=${NEMBED_LIB:-}
  if [ -n "$lib" ]; then export R_LIBS="$lib"; fi
  if ! Rscript -e 'library(nembed)' >/dev/null 2>&1; then
    echo "[memcheck] installing nembed first"; bash tools/build-install.sh || return 1
  fi
  local supp=()
  [ -f tools/valgrind.supp ] && supp=(--suppressions="$PWD/tools/valgrind.supp")
  local t0=$SECONDS
  echo "[memcheck] (a) valgrind: log in $logdir/valgrind.log"
  R -d "valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite ${supp[*]}" \
    --vanilla --slave -f tools/memcheck-cases.R >"$logdir/valgrind.log" 2>&1
  local rc=$?
  grep -E "memcheck-cases\]|ERROR SUMMARY|definitely lost|Invalid|uninitialised" "$logdir/valgrind.log" | tail -30
  echo "[memcheck] (a) valgrind exit status $rc after $((SECONDS - t0)) s"
  return $rc
}

run_asan() {
  local lib=${NEMBED_ASAN_LIB:-/tmp/nembed-asan-lib}
  local mk="$logdir/Makevars.asan"
  local san="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"
  # Put the flags into the compiler variables so that compiling and linking the .so both get them.
  cat >"$mk" <<MK
CXX17 = g++ $san
CXX = g++ $san
CC = gcc $san
CXX17FLAGS = -g -O1 -DNO_MANUAL_VECTORIZATION
CXXFLAGS = -g -O1 -DNO_MANUAL_VECTORIZATION
CFLAGS = -g -O1
CPPFLAGS = -UNDEBUG
MK
  mkdir -p "$lib"
  local t0=$SECONDS
  echo "[memcheck] (b) building with $san into $lib"
  # Build from a copy, so the sanitizer objects never mix with the normal build's src/*.o.
  # NEMBED_ASAN_INCREMENTAL=1 keeps the copy's objects and recompiles only changed sources.
  local srccopy="$logdir/nembed-src" preclean=--preclean
  if [ "${NEMBED_ASAN_INCREMENTAL:-0}" = 1 ] && [ -d "$srccopy/src" ]; then
    preclean=""
    for f in DESCRIPTION NAMESPACE R inst; do cp -r -u "$f" "$srccopy"/; done
    # Sources only: the worktree's src/*.o come from the normal build and must not be reused.
    cp -u src/*.cpp src/*.h src/Makevars "$srccopy"/src/
    rm -f "$srccopy"/src/*.so
  else
    rm -rf "$srccopy"; mkdir -p "$srccopy"
    cp -r DESCRIPTION NAMESPACE R src inst "$srccopy"/
    rm -f "$srccopy"/src/*.o "$srccopy"/src/*.so
  fi
  if ! R_MAKEVARS_USER="$mk" MAKEFLAGS="-j2" R CMD INSTALL $preclean --no-docs --no-multiarch \
       --no-test-load -l "$lib" "$srccopy" >"$logdir/asan-build.log" 2>&1; then
    tail -30 "$logdir/asan-build.log"; return 1
  fi
  local t_build=$((SECONDS - t0))
  t0=$SECONDS
  echo "[memcheck] (b) running; log in $logdir/asan.log"
  LD_PRELOAD="$(gcc -print-file-name=libasan.so)" \
    ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=23" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
    R_LIBS="$lib" R --vanilla --slave -f tools/memcheck-cases.R >"$logdir/asan.log" 2>&1
  local rc=$?
  grep -E "memcheck-cases\]" "$logdir/asan.log" | tail -20
  if grep -qE "ERROR: AddressSanitizer|runtime error:|Assertion .* failed" "$logdir/asan.log"; then
    grep -E -A15 "ERROR: AddressSanitizer|runtime error:|Assertion .* failed" "$logdir/asan.log" | head -60
    rc=1
  fi
  echo "[memcheck] (b) ASan/UBSan exit status $rc; build $t_build s, run $((SECONDS - t0)) s"
  return $rc
}

case "$mode" in
  valgrind) run_valgrind || status=1 ;;
  asan) run_asan || status=1 ;;
  all) run_valgrind || status=1; run_asan || status=1 ;;
  *) echo "usage: $0 [valgrind|asan|all]"; exit 2 ;;
esac
echo "[memcheck] overall: $([ $status -eq 0 ] && echo clean || echo FAILED)"
exit $status
