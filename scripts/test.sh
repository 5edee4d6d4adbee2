#!/usr/bin/env bash
# The whole test suite on a fresh machine (this is what .ci/run runs): installs what the tests need
# (Debian's Chromium and chattr when missing, then scripts/setup.sh), checks lint and formatting,
# then runs every jest project:
# kernel (real tslab + ffmpeg + file system), lab (components in jsdom), e2e (real JupyterLab + Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${METRICS_PLOTTER_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ] || ! command -v chattr >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    printf '\n== apt-get install chromium e2fsprogs\n'
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium e2fsprogs >/dev/null
  else
    echo "metrics-plotter tests: need Chromium at $CHROMIUM and chattr: sudo apt-get install chromium e2fsprogs" >&2
    exit 1
  fi
fi

./scripts/setup.sh
# The remote-kernel e2e starts its kernels through Jupyter Kernel Gateway (a test-only dependency).
if ! .venv/bin/python -c 'import kernel_gateway' 2>/dev/null; then
  printf '\n== jupyter_kernel_gateway into .venv (for the remote-kernel e2e)\n'
  .venv/bin/pip install --quiet --disable-pip-version-check "jupyter_kernel_gateway>=3.0.1,<4"
fi
# Notebook 7 (each notebook a browser tab of its own), for test/e2e/notebook7.test.ts.
if ! .venv/bin/python -c 'import notebook' 2>/dev/null; then
  printf '\n== notebook 7 into .venv (for the Notebook 7 e2e)\n'
  .venv/bin/pip install --quiet --disable-pip-version-check "notebook>=7,<8"
fi
# A Python with Jupyter's kernel machinery but no JupyterLab (as VS Code's or the classic notebook's
# may be), for the kernel-only install (test/kernel/install-command.test.ts).
if [ ! -x .venv-kernel-only/bin/jupyter-kernelspec ]; then
  printf '\n== jupyter_client into .venv-kernel-only (a Jupyter without JupyterLab)\n'
  python3 -m venv .venv-kernel-only
  .venv-kernel-only/bin/pip install --quiet --disable-pip-version-check "jupyter_client>=8,<9"
fi
# Voilà without JupyterLab (how a dashboard server is set up), for test/e2e/voila.test.ts: Voilà 0.5
# loads JupyterLab extensions from its Python's share/jupyter/labextensions.
if [ ! -x .venv-voila/bin/voila ]; then
  printf '\n== voila into .venv-voila (a dashboard server without JupyterLab)\n'
  python3 -m venv .venv-voila
  .venv-voila/bin/pip install --quiet --disable-pip-version-check "voila>=0.5.13,<0.6"
fi
# TensorBoard's real writer and reader (tensorboardX, tensorboard with its EventAccumulator), for the
# event-file tests both ways (test/kernel/tensorboard.test.ts, logdir-watch.test.ts); moviepy is what
# tensorboardX's add_video makes its GIF with.
if [ ! -x .venv-tensorboard/bin/python ] || ! .venv-tensorboard/bin/python -c 'import tensorboard, tensorboardX, moviepy' 2>/dev/null; then
  printf '\n== tensorboard, tensorboardX and moviepy into .venv-tensorboard (for the event-file tests)\n'
  python3 -m venv .venv-tensorboard
  .venv-tensorboard/bin/pip install --quiet --disable-pip-version-check "tensorboard>=2.18,<3" "tensorboardX>=2.6,<3" "moviepy>=2,<3"
fi
# The oldest JupyterLab the extension declares, for the e2e suite's core scenario there
# (test/e2e/oldest-jupyterlab.test.ts), installed as a user installs into it.
OLDEST=.venv-jupyterlab-4.0
if [ ! -x "$OLDEST/bin/jupyter-lab" ]; then
  printf '\n== JupyterLab 4.0 into %s (the oldest supported)\n' "$OLDEST"
  python3 -m venv "$OLDEST"
  "$OLDEST/bin/pip" install --quiet --disable-pip-version-check "jupyterlab>=4.0,<4.1" "jupyterlab_widgets>=3.0.17,<4"
fi
node lib/cli/cli.js install --python "$OLDEST/bin/python" --sys-prefix >/dev/null
printf '\n== lint (eslint + prettier)\n'
npm run --silent lint
printf '\n== jest\n'
exec npm test -- --ci "$@"
