#!/usr/bin/env bash
# Prepares .gpu-kit/ (git-ignored): everything the GPU check (scripts/gpu/check.sh) needs on the
# GPU machine that the working tree does not hold, for one device call with carry: [".gpu-kit"].
# Runs here, with package registries, ffmpeg and ffprobe.   Usage: bash scripts/gpu/prepare.sh
#
#   .gpu-kit/wheel/   this project's cp312 wheel, rebuilt on every run (scripts/build-wheel.sh)
#   .gpu-kit/pynvc/   PyNvVideoCodec's cp312 manylinux wheel, the benchmarks' peer (downloaded once
#                     into build/gpu-kit-cache/, carried without its FFmpeg sources and samples)
#   .gpu-kit/media.tar.xz, ffmpeg-version.txt, media.json
#                     the test media of the needs_cuda tests with their references and ffprobe
#                     answers (scripts/gpu/pack_media.py; remade only when they change)
#   .gpu-kit/clips/   the six benchmark clips, 150 frames, with their .index.json (made once)
#
# Prints the sizes and fails when the kit and the working tree together pass 60 MiB (the device
# tool carries 64 MiB). Environment: ODVD_GPU_PYTHON (the cp312 interpreter, default pyenv's
# 3.12.1), ODVD_TEST_MEDIA_DIR (the media cache to reuse, default tests/.media), ODVD_WHEEL_FALLBACK=1
# (see step 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

KIT=.gpu-kit
PY312=${ODVD_GPU_PYTHON:-/root/.pyenv/versions/3.12.1/bin/python}
TOOLS=build/gpu-kit-venv       # numpy and PyAV for the media and clips; the fallback's build tools
PYNVC_VERSION=2.2.4
LIMIT_MIB=60
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

log() { printf '[prepare] %s\n' "$*" >&2; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
bytes_of() { du -sb "$@" | awk '{ s += $1 } END { print s + 0 }'; }
t0=$SECONDS

# 1. A venv of the tools prepare needs, made once.
if ! "$TOOLS/bin/python" -c "import numpy, av, scikit_build_core, pybind11" 2> /dev/null; then
  log "making $TOOLS (numpy, av, scikit-build-core, pybind11, cmake, ninja)"
  "$PY312" -m venv "$TOOLS"
  "$TOOLS/bin/python" -m pip install -q numpy av "scikit-build-core>=0.10" "pybind11>=2.12" "cmake>=3.24" ninja
fi
TPY=$TOOLS/bin/python
mkdir -p "$KIT"

# 2. Our wheel, always rebuilt (the build folder keeps an unchanged tree quick). The real one comes
# from scripts/build-wheel.sh: static FFmpeg and the CUDA kernels inside, its path on the last line
# of its output. Until that script is on this branch, ODVD_WHEEL_FALLBACK=1 builds a plain wheel
# instead: it links this machine's FFmpeg shared libraries, so it runs here (to test the flow) but
# NOT on the GPU machine, which has none. check.sh warns when it finds the FALLBACK marker.
rm -rf "$KIT/wheel"
mkdir -p "$KIT/wheel"
if [ "${ODVD_WHEEL_FALLBACK:-0}" != 1 ] && [ -f scripts/build-wheel.sh ]; then
  log "building the wheel: scripts/build-wheel.sh $PY312"
  whl=$(bash scripts/build-wheel.sh "$PY312" | tee /dev/stderr | tail -n 1)
  cp "$whl" "$KIT/wheel/"
elif [ "${ODVD_WHEEL_FALLBACK:-0}" = 1 ]; then
  log "WARNING: ODVD_WHEEL_FALLBACK=1: a wheel linked to the system FFmpeg; it will NOT load on the GPU machine"
  # ODVD_CUDA=ON: fail rather than leave the kernels out; SASS for Hopper (H100, H200) only.
  CMAKE_ARGS="-DODVD_CUDA=ON -DODVD_CUDA_ARCHS=90" CMAKE_BUILD_PARALLEL_LEVEL=2 \
    "$TPY" -m pip wheel -q --no-build-isolation --no-deps -w "$KIT/wheel" . >&2
  echo "fallback wheel (pip wheel, system FFmpeg shared libraries): it does not load on the GPU machine" \
    > "$KIT/wheel/FALLBACK"
else
  log "scripts/build-wheel.sh is missing: ODVD_WHEEL_FALLBACK=1 builds a wheel for testing the flow here only"
  exit 1
fi

# 3. PyNvVideoCodec's wheel, downloaded once into build/ (its manylinux tag is not known in
# advance: the usual ones, then newer glibc tags), then copied into the kit without what
# `import PyNvVideoCodec` never reads: the FFmpeg source tarball of its .data folder, its samples
# and benchmarks folders (16 of its 26 MiB; the kit must stay under 60 MiB).
CACHE=build/gpu-kit-cache
if ! compgen -G "$CACHE/pynvvideocodec-$PYNVC_VERSION-cp312-*.whl" > /dev/null; then
  mkdir -p "$CACHE"
  found=0
  for tags in "manylinux_2_28_x86_64 manylinux_2_17_x86_64 manylinux2014_x86_64" \
              "manylinux_2_31_x86_64 manylinux_2_34_x86_64 manylinux_2_35_x86_64"; do
    platforms=()
    for t in $tags; do platforms+=(--platform "$t"); done
    if "$TPY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
        "${platforms[@]}" -d "$CACHE" "pynvvideocodec==$PYNVC_VERSION" >&2; then
      found=1
      break
    fi
  done
  [ "$found" = 1 ] || { log "no PyNvVideoCodec $PYNVC_VERSION cp312 manylinux wheel found"; exit 1; }
fi
rm -rf "$KIT/pynvc"
mkdir -p "$KIT/pynvc"
for whl in "$CACHE"/pynvvideocodec-"$PYNVC_VERSION"-cp312-*.whl; do
  "$TPY" - "$whl" "$KIT/pynvc/$(basename "$whl")" <<'EOF'
import sys, zipfile

def dropped(name):
    top = name.split("/", 1)[0]
    return top.endswith(".data") or top in ("samples", "benchmarks")

with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as dst:
    for info in src.infolist():
        if dropped(info.filename):
            continue
        data = src.read(info)
        if info.filename.endswith(".dist-info/RECORD"):  # the installed files' list: without the dropped ones
            lines = data.decode().splitlines(keepends=True)
            data = "".join(line for line in lines if not dropped(line.split(",", 1)[0])).encode()
        dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
EOF
done

# 3b. The tests' own pure-Python-or-wheel dependencies that the GPU machine lacks (it has no package
# index): xxhash, the independent XXH3 the bundle-checksum tests compare against (pinned in
# pyproject.toml's test extras).
XXHASH_PIN=$(grep -oE 'xxhash==[0-9.]+' pyproject.toml | head -n 1)
rm -rf "$KIT/testdeps"
mkdir -p "$KIT/testdeps"
if ! compgen -G "$CACHE/xxhash-*-cp312-*.whl" > /dev/null; then
  "$TPY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$CACHE" "$XXHASH_PIN" >&2 \
    || { log "no $XXHASH_PIN cp312 manylinux wheel found"; exit 1; }
fi
cp "$CACHE"/xxhash-*-cp312-*.whl "$KIT/testdeps/"

# 4. The test media (pack_media.py skips the archive when its files are unchanged).
"$TPY" scripts/gpu/pack_media.py --kit "$KIT"

# 5. The benchmark clips (make_clips.py makes only the missing ones); clips of other settings go.
mapfile -t clips < <("$TPY" bench/make_clips.py --frames 150 --clips-dir "$KIT/clips")
for f in "$KIT"/clips/*; do
  keep=0
  for c in "${clips[@]}"; do
    if [ "$f" = "$c" ] || [ "$f" = "$c.index.json" ]; then keep=1; fi
  done
  [ "$keep" = 1 ] || { log "removing $f (other settings)"; rm -f "$f"; }
done
for c in "${clips[@]}"; do
  [ -f "$c.index.json" ] || { log "missing $c.index.json: is PyAV installed in $TOOLS?"; exit 1; }
done

# 5b. The reference-closure clips (bench/reference_closure.py; made only when missing).
"$TPY" bench/reference_closure.py --make-only --frames 150 --clips-dir "$KIT/closure-clips" > /dev/null

# 6. Sizes: what the device call carries is the working tree (tracked and untracked-not-ignored
# files) plus .gpu-kit.
tree=$(git ls-files -co --exclude-standard -z | du --files0-from=- -cb 2> /dev/null | tail -n 1 | cut -f1)
kit=$(bytes_of "$KIT")
total=$((tree + kit))
log "sizes:"
for part in "$KIT"/wheel/*.whl "$KIT"/pynvc/*.whl "$KIT"/testdeps/*.whl "$KIT/media.tar.xz" "$KIT/clips" "$KIT/closure-clips"; do
  printf '  %-70s %s\n' "$part" "$(mib "$(bytes_of "$part")")" >&2
done
printf '  %-70s %s\n' "$KIT (all)" "$(mib "$kit")" "working tree" "$(mib "$tree")" \
  "total carried" "$(mib "$total") of $LIMIT_MIB MiB" >&2
if [ "$total" -gt $((LIMIT_MIB * 1048576)) ]; then
  log "too big: the device call carries 64 MiB, and this kit keeps a margin under $LIMIT_MIB MiB"
  exit 1
fi
log "ready in $((SECONDS - t0)) s: run 'bash scripts/gpu/check.sh \$OUT' there with carry [\".gpu-kit\"]"
