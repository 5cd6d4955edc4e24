#!/usr/bin/env bash
# Runs scripts/run-notebooks.py under the Python that has Jupyter (see lib.sh); passes all
# arguments on, e.g. `npm run notebooks -- --inplace` to refresh the committed outputs.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
exec "$(pagelab_python)" "$PAGELAB_ROOT/scripts/run-notebooks.py" "$@"
