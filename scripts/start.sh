#!/usr/bin/env bash
# The main job: sets everything up locally (scripts/setup.sh), then opens JupyterLab on examples/
# with the TypeScript kernel and the metrics-plotter extension ready. Ctrl+C twice stops it; the
# kernels it started end their sessions, so the examples' assets/ folders go with them.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
args=(lab --notebook-dir=examples examples/cartpole.ipynb)
[ "$(id -u)" = 0 ] && args+=(--allow-root)
exec .venv/bin/jupyter "${args[@]}" "$@"
