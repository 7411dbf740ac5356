#!/usr/bin/env bash
# Regenerates python/on_demand_video_decoder/_engine.pyi from the installed extension with
# pybind11-stubgen (the versions tests/test_stubs.py checks against). Run after changing a binding:
#   pip install --no-build-isolation . && bash scripts/gen-stubs.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY="${PYTHON:-python3}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$PY" -m pybind11_stubgen on_demand_video_decoder._engine -o "$out" --exit-code
cp "$out/on_demand_video_decoder/_engine.pyi" python/on_demand_video_decoder/_engine.pyi
echo "wrote python/on_demand_video_decoder/_engine.pyi"
