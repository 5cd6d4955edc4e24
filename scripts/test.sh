#!/usr/bin/env bash
# The whole test suite: setup and build, ESLint (no warning allowed), TypeDoc's validation of the API
# reference (every exported name documented, no broken link), vitest (including the runner's failing-fixture
# checks), then every notebook through Jupyter, failing on an error, any stderr output, an
# aborted cell, a claim that did not hold, or committed outputs that are not current.
# Vitest includes test/browser: a notebook's HTML export checked in headless Chromium.
# Ends with one line: N passed, N failed.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$PAGELAB_ROOT"

bash scripts/setup.sh --browser
# test/browser skips itself without Chromium (a machine setup cannot install it on). Where
# setup installs it unasked (Debian's chromium, as root on an apt system: CI), a missing
# Chromium fails that test instead.
if [[ -z "${PAGELAB_REQUIRE_CHROMIUM:-}" && "$(id -u)" -eq 0 && "$(pagelab_chromium)" == /usr/bin/chromium ]] &&
  command -v apt-get >/dev/null; then
  export PAGELAB_REQUIRE_CHROMIUM=1
fi
# Likewise test/capture skips itself without heaptrack and strace, which setup installs with
# apt as root: there a missing recorder fails those tests instead of skipping them.
if [[ -z "${PAGELAB_REQUIRE_CAPTURE:-}" && "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null; then
  export PAGELAB_REQUIRE_CAPTURE=1
fi
reports="$(mktemp -d)"
trap 'rm -rf "$reports"' EXIT

say "eslint (type-checked rules, no warning allowed)"
lint_status=0
npm run -s lint || lint_status=$?

say "typedoc (every exported name documented, no broken link, no warning allowed)"
docs_status=0
npm run -s docs -- --emit none || docs_status=$?

say "vitest"
vitest_status=0
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$reports/vitest.json" ||
  vitest_status=$?

notebook_status=0
if compgen -G "notebooks/*.ipynb" >/dev/null; then
  say "executing notebooks/*.ipynb through Jupyter"
  "$(pagelab_python)" scripts/run-notebooks.py --check-committed --summary-json "$reports/notebooks.json" ||
    notebook_status=$?
else
  say "no notebooks in notebooks/ yet: nothing to execute"
fi

# One summary line over both suites. A suite that failed without naming a failed test (a test
# file that did not load, an error outside any test, a runner crash) counts as one failure.
node - "$reports" "$vitest_status" "$notebook_status" "$lint_status" "$docs_status" <<'JS'
const fs = require("fs");
const [dir, vitestStatus, notebookStatus, lintStatus, docsStatus] = process.argv.slice(2);
const read = (name) => (fs.existsSync(`${dir}/${name}`) ? JSON.parse(fs.readFileSync(`${dir}/${name}`, "utf8")) : null);
const vitest = read("vitest.json");
const notebooks = read("notebooks.json") ?? [];
const count = (passed, failed, status) => ({ passed, failed: failed === 0 && status !== "0" ? 1 : failed });
const brokenFiles = (vitest?.testResults ?? []).filter((file) => file.status === "failed" && file.assertionResults.length === 0).length;
const unit = count(vitest?.numPassedTests ?? 0, (vitest?.numFailedTests ?? 0) + brokenFiles, vitestStatus);
const nb = count(notebooks.filter((r) => !r.failure).length, notebooks.filter((r) => r.failure).length, notebookStatus);
// The lint and the docs check count as one check each: passed when the tool exits 0 (no error, no warning).
const check = (status) => (status === "0" ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 });
const lint = check(lintStatus);
const docs = check(docsStatus);
console.log(`[test] eslint: ${lint.passed ? "clean" : "FAILED"}; typedoc: ${docs.passed ? "clean" : "FAILED"}; vitest: ${unit.passed} passed, ${unit.failed} failed; notebooks: ${nb.passed} passed, ${nb.failed} failed`);
console.log(`${unit.passed + nb.passed + lint.passed + docs.passed} passed, ${unit.failed + nb.failed + lint.failed + docs.failed} failed`);
JS

if [[ "$vitest_status" -ne 0 || "$notebook_status" -ne 0 || "$lint_status" -ne 0 || "$docs_status" -ne 0 ]]; then
  exit 1
fi
