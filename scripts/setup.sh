#!/usr/bin/env bash
# Prepares this checkout for running notebooks: npm dependencies, Jupyter's Python client and
# numpy (Debian packages when missing), the tslab kernel in a project-local prefix, the
# `pagelab` import for notebooks, and the build. Idempotent; each step prints one line.
#   --browser   also make sure headless Chromium is there (the main job's screenshots and
#               npm test's browser check of the HTML exports)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PAGELAB_ROOT"

want_browser=0
for arg in "$@"; do
  case "$arg" in
    --browser) want_browser=1 ;;
    *) echo "usage: scripts/setup.sh [--browser]" >&2; exit 2 ;;
  esac
done

# Installs Debian packages with apt-get (as root, or through sudo); returns 1 when this is
# not an apt system or there is no way to become root.
apt_install() {
  command -v apt-get >/dev/null || return 1
  local sudo=()
  if [[ "$(id -u)" -ne 0 ]]; then
    command -v sudo >/dev/null || { say "apt-get needs root and sudo is not installed"; return 1; }
    sudo=(sudo)
  fi
  say "installing Debian packages: $* (apt-get, takes a minute or two)"
  run_quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  run_quiet "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

# 1. npm dependencies, reinstalled when node_modules does not match package-lock.json.
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' ||
  { say "Node.js 20 or newer is required (found $(node --version))"; exit 1; }
# npm 11's `npm ci` rejects a lock file that leaves out optional packages for other platforms
# which the registry does not serve (npm/cli#4828, #9846) although `npm install` accepts it;
# then the locked versions are installed with `npm install --no-save` (the lock file stays
# as it is) and checked against the lock file again.
install_npm_dependencies() {
  local log
  log="$(mktemp)"
  if npm ci --no-audit --no-fund >"$log" 2>&1; then
    rm -f "$log"
    return 0
  fi
  if ! grep -q "package.json and package-lock.json.* in sync" "$log"; then
    say "npm ci failed:"
    grep -v "^npm error  \|^npm error$" "$log" | tail -n 40 >&2
    rm -f "$log"
    return 1
  fi
  say "npm ci rejected the lock file ($(grep -m1 "Missing:" "$log" | sed 's/^npm error //')...; npm/cli#9846):"
  say "installing the locked versions with npm install --no-save instead"
  rm -f "$log"
  rm -rf node_modules
  run_quiet npm install --no-save --no-audit --no-fund
  local reason
  reason="$(node scripts/check-node-modules.js)" || { say "node_modules still differs from the lock file: $reason"; return 1; }
}

if reason="$(node scripts/check-node-modules.js)"; then
  say "npm dependencies are current"
else
  say "installing npm dependencies with npm ci ($reason)"
  install_npm_dependencies
fi

# 2. Notebooks import "pagelab" the way an installed package is imported: tslab resolves it
#    through node_modules/pagelab/package.json (main/types point into dist/).
if [[ "$(readlink node_modules/pagelab 2>/dev/null || true)" != ".." ]]; then
  rm -rf node_modules/pagelab
  ln -s .. node_modules/pagelab
  say "linked node_modules/pagelab -> the repository root"
fi

# 3. Jupyter's Python client (nbclient runs notebooks, nbconvert exports HTML).
python="$(pagelab_python)"
has_jupyter() { "$python" -c 'import nbclient, nbconvert, jupyter_client' >/dev/null 2>&1; }
if has_jupyter; then
  say "Jupyter client found ($python)"
elif [[ "$python" == /usr/bin/python3 ]] && apt_install jupyter-nbconvert python3-nbclient python3-ipykernel python3-numpy && has_jupyter; then
  say "Jupyter client installed ($python)"
else
  say "Jupyter's nbclient and nbconvert are missing for $python. Install them, e.g."
  say "  Debian/Ubuntu: sudo apt-get install jupyter-nbconvert python3-nbclient python3-ipykernel"
  say "  macOS/other:   python3 -m pip install nbclient nbconvert; export PAGELAB_PYTHON=\$(command -v python3)"
  exit 1
fi

# 3b. Real numpy beside the simulated one (probe.compareNumpy runs it in a child Python): Debian's
#     python3-numpy where it is missing. PAGELAB_NUMPY_PYTHON picks another interpreter (e.g.
#     one with numpy 2.x); without numpy the real column says why and the notebooks go on.
# The same interpreter the probe runs (probe/numpy-child.ts numpyInterpreter): PAGELAB_NUMPY_PYTHON,
# else /usr/bin/python3, else python3 on PATH; not PAGELAB_PYTHON, which only runs Jupyter.
if [[ -n "${PAGELAB_NUMPY_PYTHON:-}" ]]; then numpy_python="$PAGELAB_NUMPY_PYTHON"
elif [[ -x /usr/bin/python3 ]]; then numpy_python=/usr/bin/python3
else numpy_python="$(command -v python3 || echo python3)"; fi
has_numpy() { "$numpy_python" -c 'import numpy' >/dev/null 2>&1; }
if has_numpy; then
  say "numpy found ($numpy_python: $("$numpy_python" -c 'import numpy; print(numpy.__version__)'))"
elif [[ "$numpy_python" == /usr/bin/python3 ]] && apt_install python3-numpy && has_numpy; then
  say "numpy installed ($numpy_python: $("$numpy_python" -c 'import numpy; print(numpy.__version__)'))"
else
  say "no numpy for $numpy_python: real-numpy comparisons will be skipped (Debian: apt-get install python3-numpy; or set PAGELAB_NUMPY_PYTHON)"
fi

# 3c. The recorders of `pagelab capture` (a real program's allocations and memory system calls):
#     Debian's heaptrack (its malloc hooks) and strace, where missing. Without them capture
#     refuses with the install command and its tests are skipped.
has_recorders() { command -v strace >/dev/null && [[ -n "$(compgen -G '/usr/lib/*heaptrack/libheaptrack_preload.so' 2>/dev/null; compgen -G '/usr/lib/*/heaptrack/libheaptrack_preload.so' 2>/dev/null)" ]]; }
if has_recorders; then
  say "capture recorders found (heaptrack, strace)"
elif apt_install heaptrack strace && has_recorders; then
  say "capture recorders installed (heaptrack, strace)"
else
  say "no heaptrack/strace: pagelab capture is unavailable and its tests are skipped (Debian: apt-get install heaptrack strace)"
fi

# 4. Headless Chromium, only with --browser (the main job's screenshots, test/browser).
if [[ "$want_browser" -eq 1 ]]; then
  chromium="$(pagelab_chromium)"
  if [[ -x "$chromium" ]]; then
    say "Chromium found ($chromium)"
  elif [[ "$chromium" == /usr/bin/chromium ]] && apt_install chromium fonts-liberation && [[ -x "$chromium" ]]; then
    say "Chromium installed ($chromium)"
  else
    say "no Chromium at $chromium: screenshots and the browser test will be skipped (install Debian's chromium, or set PAGELAB_CHROMIUM)"
  fi
fi

# 5. The tslab kernel, registered into a project-local prefix (never the user's Jupyter).
prefix="$PAGELAB_ROOT/.jupyter-prefix"
if [[ -f "$prefix/share/jupyter/kernels/tslab/kernel.json" ]]; then
  say "tslab kernel registered in .jupyter-prefix"
else
  run_quiet node_modules/.bin/tslab install --python "$python" --prefix "$prefix"
  say "registered the tslab kernel in .jupyter-prefix"
fi

# 6. Build with the project's TypeScript (node_modules/.bin/tsc may be tslab's 5.0).
tsc_version="$(node node_modules/typescript/bin/tsc --version)"
[[ "$tsc_version" == "Version 5.9."* ]] || { say "expected TypeScript 5.9.x, found: $tsc_version"; exit 1; }
run_quiet npm run build
[[ -f dist/index.js && -f dist/index.d.ts ]] || { say "the build produced no dist/index.js"; exit 1; }
say "built dist/ with TypeScript ${tsc_version#Version }"
