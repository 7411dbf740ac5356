# Shared by scripts/install.sh and scripts/test.sh (sourced, not run).
# Installs what on_demand_video_decoder needs on Debian 12 / Ubuntu 22.04+, as root or through sudo.

odvd_log() { printf '[odvd] %s\n' "$*" >&2; }

# Runs a command as root: directly when we are root, else through sudo.
odvd_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    odvd_log "need root for: $* (run this script as root or install sudo)"
    return 1
  fi
}

# System packages: FFmpeg >= 4.4 development files and CLI (the tests make their media with it),
# the NVDEC headers, xxHash's header (the bundle checksum, compiled in), pkg-config and a C++ compiler.
# Installed only when missing.
ODVD_APT_PACKAGES="ffmpeg libavformat-dev libavcodec-dev libavutil-dev libffmpeg-nvenc-dev libxxhash-dev pkg-config g++"

# Installs the named packages that are missing (default: ODVD_APT_PACKAGES).
odvd_install_system_packages() {
  local missing="" p
  for p in ${*:-$ODVD_APT_PACKAGES}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  done
  if [ -z "$missing" ]; then
    odvd_log "system packages present"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    odvd_log "missing:$missing; this script knows apt-get only (Debian/Ubuntu). Install them and re-run."
    return 1
  fi
  odvd_log "installing:$missing"
  odvd_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  odvd_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Picks the Python to install into and sets ODVD_PY. $PYTHON wins; else python3. A Python that
# refuses pip installs (PEP 668, e.g. Debian's /usr/bin/python3 outside a venv) gets a .venv.
odvd_select_python() {
  local py="${PYTHON:-python3}"
  if ! command -v "$py" >/dev/null 2>&1; then
    odvd_install_system_packages python3 python3-pip python3-venv python3-dev
    py=python3
  fi
  local managed
  managed=$("$py" - <<'PY'
import os, sys, sysconfig
in_venv = sys.prefix != sys.base_prefix
marker = os.path.join(sysconfig.get_paths()["stdlib"], "EXTERNALLY-MANAGED")
print("yes" if (os.path.exists(marker) and not in_venv) else "no")
PY
)
  if [ "$managed" = "yes" ]; then
    if [ ! -x .venv/bin/python ]; then
      odvd_install_system_packages python3-venv python3-dev
      odvd_log "$py is managed by the system (PEP 668): creating .venv"
      "$py" -m venv .venv
    fi
    py="$PWD/.venv/bin/python"
    odvd_log "using $py (activate it with: . .venv/bin/activate)"
  fi
  # The extension needs Python's headers.
  if ! "$py" -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'; then
    odvd_install_system_packages python3-dev
  fi
  if ! "$py" -m pip --version >/dev/null 2>&1; then
    "$py" -m ensurepip --upgrade >/dev/null 2>&1 || odvd_install_system_packages python3-pip
  fi
  ODVD_PY="$py"
}

# Builds and installs the package (with optional extras, e.g. "test") into $ODVD_PY. The build
# tools are installed first and the build reuses build/ (incremental, no download per build).
odvd_install_package() {
  local extras="${1:-}" spec="."
  [ -n "$extras" ] && spec=".[$extras]"
  export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
  # pybind11 is pinned: the committed stub (_engine.pyi) is checked against what this version prints.
  "$ODVD_PY" -m pip install -q "scikit-build-core>=0.10" "pybind11==3.1.0" "cmake>=3.24" ninja
  odvd_log "building and installing on_demand_video_decoder$([ -n "$extras" ] && echo " with [$extras]")"
  "$ODVD_PY" -m pip install -q --no-build-isolation "$spec"
}
