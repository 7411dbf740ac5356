#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan + UBSan) in build/fuzz, makes their seed corpus
# from the test media, and runs each target for SECONDS (default 60). Idempotent: the build is
# incremental, the seeds are made anew, and what the fuzzer learns accumulates in build/fuzz/corpus.
#
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]      targets: bundle mp4_index bitstream colour_signal
#
# Environment: ODVD_FUZZ_JOBS (build jobs, default nproc), ODVD_FUZZ_PARALLEL (targets run at once,
# default 1), ODVD_FUZZ_KEEP_GOING=1 (libFuzzer's fork mode: a crash is saved and fuzzing goes on),
# ODVD_FUZZ_ARGS (more libFuzzer flags), ODVD_TEST_MEDIA_DIR (the media cache, as for the tests).
# Crashes, leaks, timeouts and out-of-memory inputs go to build/fuzz/artifacts/<target>-*; replay one
# with build/fuzz/fuzz/fuzz_<target> ARTIFACT. Logs: build/fuzz/logs/<target>.log. Exit status 1 when
# any target found something. docs/testing.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

ALL_TARGETS="bundle mp4_index bitstream colour_signal"
SECONDS_EACH="${1:-60}"
[ $# -gt 0 ] && shift
TARGETS="${*:-$ALL_TARGETS}"
for t in $TARGETS; do
  case " $ALL_TARGETS " in *" $t "*) ;; *) odvd_log "unknown target '$t' (known: $ALL_TARGETS)"; exit 2 ;; esac
done

BUILD=build/fuzz
JOBS="${ODVD_FUZZ_JOBS:-$(nproc)}"
PARALLEL="${ODVD_FUZZ_PARALLEL:-1}"

# clang-14 with its sanitizer and libFuzzer runtimes, cmake >= 3.24 (Debian 12 has 3.25), the usual
# build packages and the ffmpeg CLI (the seed corpus is made from the test media).
odvd_install_system_packages $ODVD_APT_PACKAGES clang-14 libclang-rt-14-dev python3
command -v cmake >/dev/null 2>&1 || odvd_install_system_packages cmake
GENERATOR=()
command -v ninja >/dev/null 2>&1 && GENERATOR=(-G Ninja)

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S . -B "$BUILD" "${GENERATOR[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-14 \
    -DODVD_FUZZ=ON -DODVD_CUDA=OFF >/dev/null
fi
odvd_log "building the fuzz targets in $BUILD"
cmake --build "$BUILD" -j "$JOBS" >/dev/null

odvd_log "making the seed corpus"
python3 fuzz/make_corpus.py "$BUILD" "$BUILD/seeds"
mkdir -p "$BUILD/artifacts" "$BUILD/logs"

FLAGS=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
[ "${ODVD_FUZZ_KEEP_GOING:-0}" = 1 ] && FLAGS+=(-fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1)
# shellcheck disable=SC2206  # word splitting of the extra flags is what is wanted
FLAGS+=(${ODVD_FUZZ_ARGS:-})

run_target() {
  local t="$1"
  mkdir -p "$BUILD/corpus/$t"
  # New inputs go to the first folder (kept between runs); the seeds are only read.
  nice -n 10 "$BUILD/fuzz/fuzz_$t" "${FLAGS[@]}" -artifact_prefix="$BUILD/artifacts/$t-" \
    "$BUILD/corpus/$t" "$BUILD/seeds/$t" >"$BUILD/logs/$t.log" 2>&1 || true
}

odvd_log "fuzzing ${TARGETS// /, } for ${SECONDS_EACH}s each, $PARALLEL at a time"
STARTED=$(date +%s)
running=0
for t in $TARGETS; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$PARALLEL" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

# The summary: libFuzzer's last status line (#executions, cov: edges, ft: features) and what it found.
found=0
printf '%-14s %14s %8s %8s %8s  %s\n' target executions cov ft corpus findings
for t in $TARGETS; do
  log="$BUILD/logs/$t.log"
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
  execs=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -n 1 || true)
  [ -n "$execs" ] || execs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$last")
  cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  corp=$(sed -nE 's/.* corp: ([0-9]+).*/\1/p' <<<"$last")
  artifacts=$(find "$BUILD/artifacts" -name "$t-*" -newermt "@$STARTED" 2>/dev/null | sort | tr '\n' ' ')
  printf '%-14s %14s %8s %8s %8s  %s\n' "$t" "${execs:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${artifacts:-none}"
  if [ -n "$artifacts" ] || grep -qE '^==[0-9]+==ERROR|^SUMMARY: |deadly signal' "$log"; then
    found=1
    grep -m 3 -E '^==[0-9]+==ERROR|^SUMMARY: ' "$log" | sed 's/^/    /' || true
  fi
done
exit "$found"
