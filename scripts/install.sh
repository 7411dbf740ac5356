#!/usr/bin/env bash
# Installs everything (system packages when missing, then the package) and runs the main job.
# Idempotent; run as root or as a user with sudo.   Usage: bash scripts/install.sh [--no-run]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
. scripts/common.sh

run_demo=1
[ "${1:-}" = "--no-run" ] && run_demo=0

odvd_install_system_packages
odvd_select_python
odvd_install_package

if [ "$run_demo" = 1 ]; then
  # The main job: until the GOP engine lands, report what this installation can do.
  "$ODVD_PY" -m on_demand_video_decoder
fi
