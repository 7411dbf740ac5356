#!/usr/bin/env bash
# Installs everything plus the test extras and runs the whole test suite (exits non-zero on any
# failure). Idempotent; run as root or as a user with sudo.   Usage: bash scripts/test.sh [pytest args]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

odvd_install_system_packages
odvd_select_python
odvd_install_package test
exec "$ODVD_PY" -m pytest tests "$@"
