#!/usr/bin/env bash
# Sets up everything metrics-plotter needs, locally to this checkout, and is safe to run again:
#   - npm packages (npm ci), the TypeScript build and the prebuilt JupyterLab extension;
#   - JupyterLab 4 and jupyterlab_widgets from PyPI in a project-local venv (.venv), with the extension installed into it
#     and the tslab TypeScript kernel registered in that venv only (nothing in ~/.local or /usr);
#   - examples/node_modules/metrics-plotter -> this checkout, so `import ... from "metrics-plotter"`
#     works in the example notebooks exactly as it would after `npm install metrics-plotter`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
VENV="$ROOT/.venv"
JUPYTERLAB_SPEC="${JUPYTERLAB_SPEC:-jupyterlab>=4.4,<5}"
# JupyterLab's widget manager: live outputs are then the plotter's Jupyter widget (without it they
# render through the MIME renderer; see docs/install.md).
WIDGETS_SPEC="${WIDGETS_SPEC:-jupyterlab_widgets>=3.0.17,<4}"

step() { printf '\n== %s\n' "$*"; }

command -v node >/dev/null || { echo "metrics-plotter setup: Node.js >= 18 is required (https://nodejs.org)." >&2; exit 1; }
command -v python3 >/dev/null || { echo "metrics-plotter setup: python3 is required for JupyterLab." >&2; exit 1; }

# npm ci only when the lockfile changed since the last install (it wipes node_modules).
if [ ! -f node_modules/.metrics-plotter-lock ] || ! cmp -s package-lock.json node_modules/.metrics-plotter-lock; then
  step "npm ci"
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.metrics-plotter-lock
fi

if [ ! -x "$VENV/bin/jupyter-lab" ]; then
  step "JupyterLab into $VENV ($JUPYTERLAB_SPEC)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$JUPYTERLAB_SPEC" "$WIDGETS_SPEC"
fi
if ! "$VENV/bin/python" -c 'import jupyterlab_widgets' 2>/dev/null; then
  step "jupyterlab_widgets into $VENV ($WIDGETS_SPEC)"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "$WIDGETS_SPEC"
fi
export PATH="$VENV/bin:$PATH"

step "build (TypeScript + prebuilt JupyterLab extension)"
npm run --silent build

step "install the extension and register the tslab kernel in $VENV"
# The same command users run (npx metrics-plotter install): the prebuilt extension into the venv,
# and kernelspecs that start this checkout's tslab by absolute path.
node lib/cli/cli.js install --python "$VENV/bin/python" --sys-prefix

mkdir -p examples/node_modules
ln -sfn ../.. examples/node_modules/metrics-plotter

step "ready"
"$VENV/bin/jupyter" labextension list 2>&1 | grep -i metrics-plotter || true
"$VENV/bin/jupyter" kernelspec list | grep -E 'tslab|jslab' || true
