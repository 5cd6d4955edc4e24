# Shared helpers for pagelab's shell scripts (sourced, not executed).

# The repository root: this file lives in <root>/scripts.
PAGELAB_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PAGELAB_ROOT

# Jupyter runs under a Python with nbclient/nbconvert. On Debian that is the system python
# (a pyenv or venv python3 earlier on PATH usually lacks them); elsewhere set PAGELAB_PYTHON.
pagelab_python() {
  if [[ -n "${PAGELAB_PYTHON:-}" ]]; then
    echo "$PAGELAB_PYTHON"
  elif [[ -x /usr/bin/python3 ]]; then
    echo /usr/bin/python3
  else
    command -v python3
  fi
}

# Headless Chromium for screenshots: PAGELAB_CHROMIUM, else Debian's /usr/bin/chromium.
pagelab_chromium() {
  echo "${PAGELAB_CHROMIUM:-/usr/bin/chromium}"
}

# Prints a progress line prefixed with the script's name.
say() {
  echo "[$(basename "$0" .sh)] $*"
}

# Runs a command with its output captured; prints the output only when it fails.
run_quiet() {
  local log
  log="$(mktemp)"
  if "$@" >"$log" 2>&1; then
    rm -f "$log"
  else
    local status=$?
    echo "[$(basename "$0" .sh)] FAILED ($status): $*" >&2
    if [[ "$(wc -l <"$log")" -le 100 ]]; then
      cat "$log" >&2
    else
      head -n 30 "$log" >&2
      echo "[...]" >&2
      tail -n 60 "$log" >&2
    fi
    rm -f "$log"
    return "$status"
  fi
}
