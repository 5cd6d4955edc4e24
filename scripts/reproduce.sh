#!/usr/bin/env bash
# The main job: set everything up, execute every notebook through Jupyter into out/
# (executed .ipynb, HTML export, a browser screenshot each) and print the claims table.
# Exits non-zero when a notebook fails or a claim does not hold.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PAGELAB_ROOT"

bash scripts/setup.sh --browser
rm -rf out
mkdir -p out
args=(--out out --summary-json out/summary.json)
if [[ -x "$(pagelab_chromium)" ]]; then
  args+=(--screenshots)
else
  say "no Chromium at $(pagelab_chromium): skipping screenshots"
fi
exec "$(pagelab_python)" scripts/run-notebooks.py "${args[@]}" "$@"
