#!/usr/bin/env bash
# CI step (issue 14): the memory checks of tools/memcheck.sh on every landing, not only when
# someone remembers. Builds the ASan/UBSan variant of nembed (from a copy of the sources, into its
# own library, debug asserts compiled in), runs tools/memcheck-cases.R against it, and then (by
# default) the same cases under valgrind against the normal build. Fails on any sanitizer report,
# failed assert, valgrind error or "definitely lost" leak, or a case that fails its own checks.
#
# Usage:   tools/ci-sanitizers.sh                (called by .ci/run after the test suite)
# Env:     NEMBED_CI_SANITIZERS  all (default) | asan | valgrind | skip
#          NEMBED_LIB, NEMBED_ASAN_LIB, MEMCHECK_LOGDIR: passed on to tools/memcheck.sh
# Cost:    see the README ("Memory checks"); measured figures are kept there.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${NEMBED_CI_SANITIZERS:-all}
if [ "$mode" = "skip" ]; then echo "[ci-sanitizers] skipped (NEMBED_CI_SANITIZERS=skip)"; exit 0; fi
case "$mode" in all|asan|valgrind) ;; *) echo "[ci-sanitizers] unknown mode '$mode'"; exit 2 ;; esac
export MEMCHECK_LOGDIR=${MEMCHECK_LOGDIR:-$(mktemp -d /tmp/nembed-ci-memcheck.XXXXXX)}
t0=$SECONDS
echo "== sanitizers ($mode): logs in $MEMCHECK_LOGDIR"
# ASan first: it is the stricter check of out-of-bounds reads and fails fastest.
status=0
if [ "$mode" = all ] || [ "$mode" = asan ]; then bash tools/memcheck.sh asan || status=1; fi
if [ "$mode" = all ] || [ "$mode" = valgrind ]; then bash tools/memcheck.sh valgrind || status=1; fi
echo "[ci-sanitizers] $([ $status -eq 0 ] && echo clean || echo FAILED) after $((SECONDS - t0)) s"
exit $status
