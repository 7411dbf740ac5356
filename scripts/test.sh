#!/usr/bin/env bash
# Installs everything plus the test extras and runs the whole test suite (exits non-zero on any
# failure). Idempotent; run as root or as a user with sudo.   Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

odvd_install_system_packages
odvd_select_python
odvd_install_package test
# CI machines have no GPU: the CPU build of torch (pinned; other versions pull CUDA packages) lets
# the PyTorch hand-off tests run there too. Elsewhere torch stays optional and its tests skip.
if [ "${CI:-}" = "true" ] && ! "$ODVD_PY" -c "import torch" 2>/dev/null; then
  "$ODVD_PY" -m pip install -q torch==2.13.0 || odvd_log "torch not installed: its tests will skip"
fi
exec "$ODVD_PY" -m pytest tests "$@"
