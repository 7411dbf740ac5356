#!/usr/bin/env bash
# The GPU check: the one command to run on the GPU machine (docs/validation/gpu.md).
#
#     bash scripts/gpu/check.sh OUTDIR
#
# Run from a working tree that holds .gpu-kit/ (made by scripts/gpu/prepare.sh). Needs python3
# with pip, numpy and pytest (PyTorch with CUDA for the benchmarks and the torch tests) and the
# NVIDIA driver; no compiler, no ffmpeg, no network. Steps, each under its own time limit so the
# whole ends within ODVD_GPU_CHECK_BUDGET_S (default 420 s; the device call gets 480):
#
#   1. install the kit's two wheels into a temporary folder (pip --target; PYTHONPATH);
#   2. record nvidia-smi and build_info(); summary.json (rewritten after every step);
#   3. the needs_cuda tests, ODVD_REQUIRE_CUDA=1, through scripts/gpu/run_tests.py (crashes and
#      hangs recorded, the other tests still run), on the kit's media without ffmpeg;
#   4. the benchmarks (scripts/gpu/run_bench.py): ours per GPU backend against PyNvVideoCodec;
#   5. the verdict (scripts/gpu/summarize.py).
#
# Writes 7 files into OUTDIR (the device tool brings back 8): summary.json, nvidia-smi.txt,
# build_info.json, tests.json, tests.log, bench.json, bench.log. Never stops at a failed step;
# the exit status is 0 only when everything installed, passed and ran. Runs without a GPU too:
# everything then fails, with the reason.
set -u -o pipefail   # no -e: every step runs, whatever happened before

if [ $# -ne 1 ]; then
  echo "usage: bash scripts/gpu/check.sh OUTDIR" >&2
  exit 2
fi
mkdir -p "$1" && OUT=$(cd "$1" && pwd) || exit 2
cd "$(dirname "${BASH_SOURCE[0]}")/../.." || exit 2
KIT=$PWD/.gpu-kit
BUDGET=${ODVD_GPU_CHECK_BUDGET_S:-420}
TESTS_S=${ODVD_GPU_CHECK_TESTS_S:-190}       # all tests, collection included
PER_TEST_S=${ODVD_GPU_CHECK_PER_TEST_S:-60}
RESERVE_S=15                                 # for the last summary
PY=python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/odvd-gpucheck.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
SITE=$WORK/site
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
export PIP_ROOT_USER_ACTION=ignore
# Until a GPU run has validated it, iGpu>=0 works only with this (python/on_demand_video_decoder/common/_devices.py).
export ODVD_EXPERIMENTAL_NVDEC=1

left() { echo $((BUDGET - SECONDS)); }
summarize() {
  "$PY" scripts/gpu/summarize.py --out "$OUT" --kit "$KIT" --site "$SITE" --install-log "$WORK/install.log" \
    --elapsed-s "$SECONDS" --phase "$1"
}

if [ ! -d "$KIT" ]; then
  echo "check: no .gpu-kit/ here: run bash scripts/gpu/prepare.sh first (and carry .gpu-kit)" >&2
fi

# 1. The wheels. pip --target into a fresh folder: nothing of the machine's own site-packages is
# touched, and --no-deps keeps pip from looking for numpy or torch (there is no index).
mkdir -p "$SITE"
: > "$WORK/install.log"
for whl in "$KIT"/wheel/*.whl "$KIT"/pynvc/*.whl "$KIT"/testdeps/*.whl; do
  [ -f "$whl" ] || continue
  if "$PY" -m pip --version > /dev/null 2>&1; then
    timeout 120 "$PY" -m pip install -q --no-index --no-deps --no-compile --target "$SITE" "$whl" \
      >> "$WORK/install.log" 2>&1 || echo "pip install failed: $whl" >> "$WORK/install.log"
  else
    # No pip: a wheel is a zip of what lies in site-packages (these have no .data folder).
    "$PY" -m zipfile -e "$whl" "$SITE" >> "$WORK/install.log" 2>&1 || echo "unzip failed: $whl" >> "$WORK/install.log"
  fi
done
export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"

# 2. The machine and the build.
{
  timeout 30 nvidia-smi
  echo "# query: name, driver_version, memory.total, compute_cap"
  timeout 30 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader
} > "$OUT/nvidia-smi.txt" 2>&1
if ! timeout 60 "$PY" -c 'import json, on_demand_video_decoder as o; print(json.dumps(o.build_info(), indent=1, default=str))' \
    > "$OUT/build_info.json" 2> "$WORK/build_info.err"; then
  "$PY" -c 'import json, sys; print(json.dumps({"error": open(sys.argv[1]).read()[-4000:]}))' "$WORK/build_info.err" \
    > "$OUT/build_info.json"
fi
if [ -f "$KIT/wheel/FALLBACK" ]; then
  echo "WARNING: $(cat "$KIT/wheel/FALLBACK")"
fi
summarize environment

# 3. The tests, on the kit's media: the media keys hold prepare's ffmpeg version line, and the
# references and ffprobe answers travel with the media, so no ffmpeg is needed here.
# (Python's tarfile: no xz program needed.)
if "$PY" -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$KIT/media.tar.xz" "$WORK" \
    2> "$WORK/tar.err"; then
  export ODVD_TEST_MEDIA_DIR="$WORK/media"
  ODVD_TEST_MEDIA_FFMPEG_VERSION=$(cat "$KIT/ffmpeg-version.txt")
  export ODVD_TEST_MEDIA_FFMPEG_VERSION
else
  echo "media: $KIT/media.tar.xz not unpacked: $(tail -1 "$WORK/tar.err") (the media tests will fail)"
fi
tests_s=$(( $(left) - RESERVE_S ))
[ "$tests_s" -gt "$TESTS_S" ] && tests_s=$TESTS_S
ODVD_REQUIRE_CUDA=1 "$PY" scripts/gpu/run_tests.py --out "$OUT" --per-test-timeout "$PER_TEST_S" \
  --total-timeout "$tests_s" -- tests -m needs_cuda
summarize tests

# 4. The benchmarks, on the kit's 150-frame clips, in what is left of the budget.
"$PY" scripts/gpu/run_bench.py --out "$OUT" --clips-dir "$KIT/clips" --frames 150 \
  --budget-s $(( $(left) - RESERVE_S ))

# 5. The verdict: summary.json complete, one line per GPU backend's figures, PASSED / FAILED.
summarize final
status=$?
echo "files in $OUT: $(cd "$OUT" && printf '%s ' *)($SECONDS s)"
exit "$status"
