#!/usr/bin/env bash
# Create (or update) the shared course environment that every hub user's server runs in.
#
#   hub/make_env.sh VENV [REPO]
#
# VENV  where the environment goes, e.g. /opt/ipt-workbook/venv (it must be readable by every user:
#       make it from the system's /usr/bin/python3.11, never from a Python under /root or a home)
# REPO  this repository (default: the folder above this script)
#
# First run: a venv from $PYTHON (default /usr/bin/python3.11) with the IPT Workbook, JupyterHub, ngshare-exchange
# and configurable-http-proxy (from npm) in it, the ngshare service's own venv in VENV/opt/ngshare, and the
# course's nbgrader settings in VENV/etc/jupyter.
# Later runs reinstall only the IPT Workbook package (after a `git pull`) and check the ngshare pins.
set -euo pipefail
umask 022
VENV=${1:?usage: make_env.sh VENV [REPO]}
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "${2:-$HERE/..}" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3.11}
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check --quiet --quiet)

# Build from a copy of what the package needs, so nothing is written into the repository (build/, egg-info).
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -r "$REPO/pyproject.toml" "$REPO/README.md" "$REPO/ipt_lib" "$stage/"
find "$stage" -name __pycache__ -prune -exec rm -rf {} +

if [ ! -x "$VENV/bin/python" ]; then
  echo "make_env: creating $VENV from $("$PYTHON" --version)"
  "$PYTHON" -m venv "$VENV"
  "${PIP[@]}" install --upgrade pip
  # [lti]: `ipt-course lti push` from an instructor's hub terminal (grade passback; the key stays in their course)
  "${PIP[@]}" install "$stage[lti]" -r "$HERE/requirements.txt"
  if command -v npm >/dev/null; then
    # JupyterHub's proxy is a Node.js program; an EBADENGINE warning on Node 20 is harmless.
    npm install --silent --no-audit --no-fund --prefix "$VENV/opt/chp" configurable-http-proxy@5 >/dev/null
    ln -sf "$VENV/opt/chp/node_modules/.bin/configurable-http-proxy" "$VENV/bin/configurable-http-proxy"
  else
    echo "make_env: npm not found; install configurable-http-proxy yourself (npm install -g configurable-http-proxy)" >&2
  fi
else
  echo "make_env: updating the IPT Workbook package in $VENV"
  "${PIP[@]}" install --no-deps --force-reinstall "$stage"
fi
# ngshare's nbgrader exchange classes (IPT_HUB_EXCHANGE=ngshare), without their declared dependencies:
# ngshare-exchange pins jupyter-core<4.11.2, older than nbgrader 0.9 needs; what it uses is installed above.
"${PIP[@]}" install --no-deps -r "$HERE/requirements-nodeps.txt"
# The ngshare service itself, in an environment of its own (it needs SQLAlchemy 1.4; requirements-ngshare.txt).
NGSHARE=$VENV/opt/ngshare
if [ ! -x "$NGSHARE/bin/python" ]; then
  echo "make_env: creating the ngshare service's environment $NGSHARE"
  "$PYTHON" -m venv "$NGSHARE"
fi
"$NGSHARE/bin/python" -m pip --disable-pip-version-check --quiet --quiet install -r "$HERE/requirements-ngshare.txt"

# Course-wide nbgrader settings for every user of this environment (instructors and students).
mkdir -p "$VENV/etc/jupyter"
cp "$HERE/nbgrader_config.py" "$VENV/etc/jupyter/nbgrader_config.py"
# Terminals: an interactive bash that keeps the PATH the hub gives (this environment first). Without this the
# server starts a login shell, and Debian's /etc/profile resets PATH, so `nbgrader` and `python` are not found.
install -D -m 644 "$HERE/jupyter_server_config.json" "$VENV/etc/jupyter/jupyter_server_config.json"
# JupyterLab defaults for everybody: no news pop-up or update check (the server has no internet anyway).
install -D -m 644 "$HERE/lab_overrides.json" "$VENV/share/jupyter/lab/settings/overrides.json"
chmod -R a+rX "$VENV"
echo "make_env: ready: $VENV"
