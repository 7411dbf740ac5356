#!/usr/bin/env bash
# Runs the CPU test suite on an ASan + UBSan build of the extension (clang-14, -DODVD_SANITIZE=ON),
# built in build/asan and installed into a venv of its own (build/asan-venv), so no other build or
# environment is touched. Python itself is not instrumented: the ASan runtime is preloaded into it.
# Idempotent (the build is incremental). Exits non-zero when a test fails or a sanitizer reports.
#
#   bash scripts/sanitize-tests.sh [pytest args]        e.g. -k bundle, -x
#
# Environment: PYTHON (the interpreter the venv is made from, default python3), ODVD_TEST_MEDIA_DIR
# (the media cache, as for the tests), ODVD_SANITIZE_JOBS (build jobs, default nproc).
# docs/testing.md, "Fuzzing".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

odvd_install_system_packages $ODVD_APT_PACKAGES clang-14 libclang-rt-14-dev python3-venv
VENV=build/asan-venv
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
fi
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
"$PY" -m pip install -q "scikit-build-core>=0.10" "pybind11==3.1.0" "cmake>=3.24" ninja numpy pytest \
  "pybind11-stubgen==3.0.0" "xxhash==4.1.0" typing_extensions

odvd_log "building the extension with ASan + UBSan in build/asan"
CMAKE_BUILD_PARALLEL_LEVEL="${ODVD_SANITIZE_JOBS:-$(nproc)}" "$PY" -m pip install -q --no-build-isolation . \
  -Cbuild-dir=build/asan -Ccmake.build-type=RelWithDebInfo \
  -Ccmake.define.CMAKE_CXX_COMPILER=clang++-14 -Ccmake.define.ODVD_SANITIZE=ON -Ccmake.define.ODVD_CUDA=OFF

ASAN_RUNTIME=$(clang-14 -print-file-name=libclang_rt.asan-x86_64.so)
# detect_leaks=0: CPython and numpy keep allocations until exit by design. allocator_may_return_null:
# an absurd allocation is a std::bad_alloc (MemoryError) the tests see, as without ASan.
# UBSan stops at the first report (the build also has -fno-sanitize-recover).
export LD_PRELOAD="$ASAN_RUNTIME"
export ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=1:halt_on_error=1:abort_on_error=1:print_summary=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The fuzz tests' workers inherit the runtime; a case may take longer under ASan.
export ODVD_FUZZ_CASE_TIMEOUT="${ODVD_FUZZ_CASE_TIMEOUT:-120}"
odvd_log "running the tests with $ASAN_RUNTIME preloaded"
status=0
"$PY" -m pytest tests -p no:cacheprovider "$@" || status=$?
[ "$status" -eq 0 ] && odvd_log "sanitizer test run: passed" || odvd_log "sanitizer test run: FAILED (status $status)"
exit "$status"
