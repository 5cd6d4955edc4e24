#!/usr/bin/env python3
"""Executes pagelab's notebooks, or your own, with the tslab kernel through Jupyter's own
client (nbclient); `run-notebooks.py --help` says what every flag does.

A notebook fails when any cell produces an `error` output or writes to stderr, or when its
execute_reply status is "error" or "abort(ed)": tslab reports a failing cell only as stderr
text with status "error" and aborts the requests that follow within 200 ms.

Each shipped notebook (notebooks/*.ipynb) prints one line `CLAIMS <name>: <n> checked, <n> held
(simulated a/b, real c/d, skipped s)`; the runner collects them into a table and fails when a
claim did not hold or the line is missing. Any other notebook may print no CLAIMS line (its row
shows "-"); one that prints a CLAIMS line is checked the same way.
"""

import argparse
import asyncio
import atexit
import copy
import difflib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
except ImportError as error:  # reported after the arguments are parsed, so --help still works
    MISSING_JUPYTER = error
else:
    MISSING_JUPYTER = None

ROOT = Path(__file__).resolve().parent.parent
# The shipped notebooks: every *.ipynb directly in this folder must print one CLAIMS line, and
# it is the default list. PAGELAB_NOTEBOOKS_DIR names another folder (the runner's tests use it).
NOTEBOOKS = Path(os.environ.get("PAGELAB_NOTEBOOKS_DIR") or ROOT / "notebooks").resolve()
# Every kernel starts here, wherever its notebook lives, so `import ... from "pagelab"` resolves
# through ROOT/node_modules/pagelab; relative file paths in a notebook are relative to it.
KERNEL_DIR = ROOT / "notebooks"
KERNEL_NAME = "tslab"
REAL_MACHINE = "real-machine"
FAILED_REPLY_STATUSES = {"error", "abort", "aborted"}  # tslab sends "abort"; the spec says "aborted"

CLAIMS_PREFIX = "CLAIMS "
CLAIMS_LINE = re.compile(
    r"^CLAIMS (?P<name>[^:]+): (?P<checked>\d+) checked, (?P<held>\d+) held "
    r"\(simulated (?P<sim_held>\d+)/(?P<sim>\d+), real (?P<real_held>\d+)/(?P<real>\d+), "
    r"skipped (?P<skipped>\d+)\)\s*$"
)
# How src/display/claims.ts prints a real-machine claim (held, failed or skipped).
REAL_CLAIM_LINE = re.compile(r"^[✓✗–] \[real\] ")


class NotebookFailure(Exception):
    """A notebook broke one of the runner's rules; the message says where and how."""


def kernel_environment():
    """Sets this process's environment so the kernel finds tslab and its project-local spec.

    The kernelspec starts `tslab` from PATH; JUPYTER_PATH points at .jupyter-prefix.
    """
    bin_dir = ROOT / "node_modules" / ".bin"
    os.environ["PATH"] = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    jupyter_path = ROOT / ".jupyter-prefix" / "share" / "jupyter"
    inherited = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = f"{jupyter_path}{os.pathsep}{inherited}" if inherited else str(jupyter_path)
    if not (jupyter_path / "kernels" / KERNEL_NAME / "kernel.json").exists():
        sys.exit(f"run-notebooks: no tslab kernel in {jupyter_path}; run `npm run setup` first")


def text_of(value):
    """Joins nbformat's multiline text (a string or a list of strings)."""
    return "".join(value) if isinstance(value, list) else value


def first_lines(text, count=12):
    """Returns the first `count` lines of a text, indented, noting how many were left out."""
    lines = text.rstrip().splitlines()
    more = f"\n      ... ({len(lines) - count} more lines)" if len(lines) > count else ""
    return "\n".join("      " + line for line in lines[:count]) + more


def check_cell(cell, cell_index, execute_reply):
    """nbclient hook after each code cell: raises NotebookFailure on any sign of failure.

    Checks the execute_reply status, `error` outputs and every stderr stream.
    """
    where = f"cell {cell_index} ({text_of(cell.source).strip().splitlines()[0][:60]!r})"
    stderr = "".join(text_of(o.text) for o in cell.outputs if o.output_type == "stream" and o.name == "stderr")
    status = (execute_reply or {}).get("content", {}).get("status")
    if status in FAILED_REPLY_STATUSES:
        raise NotebookFailure(f"{where} finished with status {status!r}" + (f", stderr:\n{first_lines(stderr)}" if stderr else ""))
    for output in cell.outputs:
        if output.output_type == "error":
            raise NotebookFailure(f"{where} raised {output.ename}: {output.evalue}")
    if stderr:
        raise NotebookFailure(f"{where} wrote to stderr:\n{first_lines(stderr)}")


def output_texts(nb):
    """Yields every text a reader sees: stdout streams and text/plain results."""
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream" and output.name == "stdout":
                yield text_of(output.text)
            elif output.output_type in ("display_data", "execute_result"):
                if "text/plain" in output.data:
                    yield text_of(output.data["text/plain"])


def is_shipped(path):
    """Whether a (resolved) notebook path is one of the shipped notebooks, NOTEBOOKS/*.ipynb."""
    return path.suffix == ".ipynb" and path.parent == NOTEBOOKS


def has_saved_outputs(nb):
    """Whether any code cell of the notebook as read from disk carries outputs."""
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def collect_claims(nb, required):
    """Returns the notebook's one CLAIMS line parsed into numbers, or None when it printed none
    and none is `required`; raises NotebookFailure when it is missing (and required),
    repeated, malformed or inconsistent."""
    lines = [line for text in output_texts(nb) for line in text.splitlines() if line.startswith(CLAIMS_PREFIX)]
    if not lines and not required:
        return None
    if not lines:
        raise NotebookFailure(f"printed no CLAIMS line (every notebook in {NOTEBOOKS.name}/ ends with one)")
    if len(lines) > 1:
        raise NotebookFailure(f"printed {len(lines)} CLAIMS lines, expected one: {lines}")
    match = CLAIMS_LINE.match(lines[0])
    if not match:
        raise NotebookFailure(f"malformed CLAIMS line: {lines[0]!r}")
    claims = {key: (value if key == "name" else int(value)) for key, value in match.groupdict().items()}
    if claims["checked"] != claims["sim"] + claims["real"] or claims["held"] != claims["sim_held"] + claims["real_held"]:
        raise NotebookFailure(f"inconsistent CLAIMS line (totals differ from simulated + real): {lines[0]!r}")
    return claims


def normalize_claims_text(text):
    """Drops what may differ per host: the real-machine part of CLAIMS lines and the lines
    Claims prints for real-machine claims ("✓ [real] ...", "– [real] ... skipped")."""
    kept = []
    for line in text.split("\n"):
        match = CLAIMS_LINE.match(line)
        if match:
            kept.append(f"CLAIMS {match['name']}: simulated {match['sim_held']}/{match['sim']}")
        elif not REAL_CLAIM_LINE.match(line):
            kept.append(line)
    return "\n".join(kept)


def comparable_outputs(cell):
    """Returns a cell's outputs reduced to what must be reproducible, or None for a cell tagged
    "real-machine". Streams are merged, metadata and execution counts dropped, and a PNG is
    dropped when the same bundle carries the chart spec it was rendered from."""
    if REAL_MACHINE in cell.metadata.get("tags", []):
        return None
    reduced = []
    for output in cell.get("outputs", []):
        if output.get("metadata", {}).get(REAL_MACHINE):
            continue
        kind = output.output_type
        if kind == "stream":
            text = normalize_claims_text(text_of(output.text))
            if reduced and reduced[-1].get("stream") == output.name:
                reduced[-1]["text"] += text
            else:
                reduced.append({"stream": output.name, "text": text})
            continue
        if kind == "error":
            reduced.append({"error": output.ename, "value": output.evalue})
            continue
        has_spec = any(mime.startswith("application/vnd.vegalite") for mime in output.data)
        data = {
            mime: normalize_claims_text(text_of(value)) if isinstance(value, (str, list)) else value
            for mime, value in output.data.items()
            if not (mime == "image/png" and has_spec)
        }
        reduced.append({kind: data})
    return reduced


def as_lines(outputs):
    """Renders reduced outputs as stable JSON lines for a diff."""
    return json.dumps(outputs, indent=1, sort_keys=True).splitlines()


def compare_with_committed(committed, fresh, refresh_hint):
    """Raises NotebookFailure naming the first code cell whose fresh outputs differ from the
    committed ones (after comparable_outputs), with a short diff."""
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells)):
        if old.cell_type != "code":
            continue
        old_outputs, new_outputs = comparable_outputs(old), comparable_outputs(new)
        if old_outputs == new_outputs:
            continue
        diff = "\n".join(difflib.unified_diff(as_lines(old_outputs), as_lines(new_outputs), "committed", "fresh", lineterm="", n=1))
        raise NotebookFailure(
            f"cell {index}: committed outputs are not current ({refresh_hint}):\n{first_lines(diff, 24)}"
        )


def export_html(nb, path):
    """Writes the notebook as standalone HTML with its images embedded."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(embed_images=True).from_notebook_node(nb)
    path.write_text(body, encoding="utf-8")


class Result:
    """What happened to one notebook: its claims, its failure (or None) and its duration."""

    def __init__(self, path):
        self.path = path
        self.shipped = is_shipped(path)
        self.claims = None
        self.failure = None
        self.seconds = 0.0

    def as_json(self):
        return {"notebook": self.path.name, "shipped": self.shipped, "claims": self.claims, "failure": self.failure, "seconds": round(self.seconds, 1)}


# A tslab kernel starts in a few seconds; one that has not answered by then is started again.
KERNEL_STARTUP_SECONDS = 60


async def run_notebook(path, args, slots, progress):
    """Executes one notebook, checks it, writes the requested files; returns its Result."""
    result = Result(path)
    async with slots:
        progress(f"{path.name}: started")
        started = time.monotonic()
        committed = nbformat.read(path, as_version=4)
        for attempt in (1, 2):
            nb = copy.deepcopy(committed)
            for cell in nb.cells:  # timestamps of an earlier run would only churn the diff
                cell.metadata.pop("execution", None)
            executed = []

            def on_cell_executed(**kwargs):
                executed.append(kwargs["cell_index"])
                check_cell(**kwargs)

            client = NotebookClient(
                nb,
                kernel_name=KERNEL_NAME,
                timeout=args.timeout,
                startup_timeout=KERNEL_STARTUP_SECONDS,
                raise_on_iopub_timeout=True,
                record_timing=False,
                resources={"metadata": {"path": str(KERNEL_DIR)}},
                on_cell_executed=on_cell_executed,
            )
            result.failure = None
            try:
                await client.async_execute()
                result.claims = collect_claims(nb, required=result.shipped)
                if result.claims and result.claims["held"] < result.claims["checked"]:
                    failed = result.claims["checked"] - result.claims["held"]
                    raise NotebookFailure(f"{failed} of {result.claims['checked']} claims did not hold")
                if args.check_committed:
                    # A shipped notebook is always compared; another one only when it was saved
                    # with outputs (one saved without any has nothing to compare).
                    if result.shipped or has_saved_outputs(committed):
                        hint = "re-run `npm run notebooks -- --inplace` and commit" if result.shipped else "re-run with --inplace to save fresh ones"
                        compare_with_committed(committed, nb, hint)
                    else:
                        progress(f"  {path.name}: no saved outputs, nothing for --check-committed to compare")
            except NotebookFailure as failure:
                result.failure = str(failure)
            except Exception as error:  # a dead kernel, a timeout, a kernel that never started
                result.failure = f"{type(error).__name__}: {str(error).strip()[:2000]}"
                # tslab's kernel now and then fails to start (zeromq answers EBUSY while its
                # sockets bind, and the kernel never replies): only a kernel that ran no cell at
                # all is started once more. A cell that failed is never retried.
                if not executed and attempt == 1:
                    progress(f"  {path.name}: the kernel did not start ({result.failure}); starting it once more")
                    # The client that never got a kernel would otherwise fail its exit-time cleanup.
                    atexit.unregister(client._cleanup_kernel)
                    continue
            break
        result.seconds = time.monotonic() - started
        if args.out:
            nbformat.write(nb, args.out / path.name)
            export_html(nb, args.out / path.with_suffix(".html").name)
        if args.inplace and result.failure is None:
            nbformat.write(nb, path)
        status = "ok" if result.failure is None else "FAILED"
        progress(f"{path.name}: {status} in {result.seconds:.1f} s")
        if result.failure:
            progress(f"  {path.name}: {result.failure}")
    return result


def take_screenshots(html_files):
    """Runs scripts/screenshot.js on the HTML exports; returns an error text or None."""
    done = subprocess.run(["node", str(ROOT / "scripts" / "screenshot.js"), *map(str, html_files)])
    return None if done.returncode == 0 else f"screenshot.js exited with status {done.returncode}"


def claims_cells(claims):
    """Returns the table cells for a notebook's claims ("-" when it printed none)."""
    if claims is None:
        return ["-", "-", "-", "-", "-"]
    return [
        str(claims["checked"]),
        str(claims["held"]),
        f"{claims['sim_held']}/{claims['sim']}",
        f"{claims['real_held']}/{claims['real']}",
        str(claims["skipped"]),
    ]


def print_table(results):
    """Prints one row per notebook: claims checked, held (simulated / real), time, result."""
    header = ["notebook", "checked", "held", "simulated", "real", "skipped", "seconds", "result"]
    rows = [header]
    for result in results:
        verdict = "ok" if result.failure is None else "FAILED: " + " ".join(result.failure.split())[:90]
        rows.append([result.path.name, *claims_cells(result.claims), f"{result.seconds:.1f}", verdict])
    widths = [max(len(row[column]) for row in rows) for column in range(len(header) - 1)]
    print()
    for row in rows:
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row[:-1])]
        print("  ".join(cells + [row[-1]]))


DESCRIPTION = """\
Executes Jupyter notebooks with the tslab (TypeScript) kernel through nbclient, checks them and
prints a table of their claims. With no NOTEBOOK it runs the shipped notebooks, notebooks/*.ipynb.

A notebook passes when every cell runs without an error, without writing to stderr and without
being aborted. Each shipped notebook must also print exactly one line
`CLAIMS <name>: <n> checked, <n> held (simulated a/b, real c/d, skipped s)`, and every claim in
it must hold. Any other notebook (your own) needs no CLAIMS line: its claims columns show "-";
if it prints one, that line is checked like a shipped notebook's."""

EPILOG = """\
paths:
  Relative paths (NOTEBOOK, --out, --summary-json) are relative to the current directory.
  `npm run notebooks` runs this script from the repository root, so with npm they are relative
  to the root (`npm run notebooks -- ../mine.ipynb` is a notebook beside the checkout).
  Absolute paths work from anywhere. Every kernel starts in the repository's notebooks/ folder,
  wherever the notebook lives: `import { Machine } from "pagelab"` resolves from there, and a
  relative file path inside a notebook is relative to notebooks/.

environment:
  PAGELAB_CELL_TIMEOUT   default for --timeout (seconds per cell)
  PAGELAB_NOTEBOOKS_DIR  the folder whose *.ipynb are the shipped notebooks (default notebooks/)

examples:
  npm run notebooks                                  # every shipped notebook, change nothing
  npm run notebooks -- notebooks/00-tour.ipynb --out out
  npm run notebooks -- my.ipynb --out out --screenshots   # out/my.ipynb, out/my.html, out/my.png
  npm run notebooks -- /abs/path/to/mine.ipynb --out /tmp/mine
  npm run notebooks -- --inplace                     # save fresh outputs into the notebooks
  npm run notebooks -- --check-committed             # what npm test does"""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="run-notebooks.py",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "notebooks", nargs="*", type=Path, metavar="NOTEBOOK",
        help="a notebook to execute (.ipynb, any folder); default: every notebooks/*.ipynb",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR",
        help="write each executed notebook to DIR/<name>.ipynb and its HTML export (images "
        "embedded) to DIR/<name>.html; DIR is created if missing (default: write nothing)",
    )
    parser.add_argument(
        "--screenshots", action="store_true",
        help="with --out: also a full-page PNG of each HTML export, DIR/<name>.png, taken in "
        "headless Chromium by scripts/screenshot.js (PAGELAB_CHROMIUM, default /usr/bin/chromium) "
        "(default: off)",
    )
    parser.add_argument(
        "--inplace", action="store_true",
        help="write each notebook that passed back over its own file with its fresh outputs; a "
        "failing notebook is left as it was (default: off)",
    )
    parser.add_argument(
        "--check-committed", action="store_true",
        help="fail a notebook whose fresh outputs differ from the outputs saved in its file, "
        "ignoring what depends on the host (cells tagged real-machine, outputs with "
        "real-machine metadata, the real-machine part of CLAIMS lines), execution counts and "
        "metadata. Shipped notebooks are always compared; any other notebook only when its file "
        "was saved with outputs, since one without has nothing to compare (default: off)",
    )
    parser.add_argument(
        "--timeout", type=int, metavar="SECONDS",
        default=int(os.environ.get("PAGELAB_CELL_TIMEOUT", "300")),
        help="fail a cell that runs longer than SECONDS (default: PAGELAB_CELL_TIMEOUT when "
        "set, else 300; here %(default)s)",
    )
    parser.add_argument(
        "--jobs", type=int, metavar="N", default=min(4, os.cpu_count() or 1),
        help="execute N notebooks at once, each in its own kernel (default: the CPU count, "
        "at most 4; here %(default)s)",
    )
    parser.add_argument(
        "--summary-json", type=Path, metavar="FILE",
        help="also write the per-notebook results (name, shipped, claims, failure, seconds) as "
        "JSON to FILE (default: none)",
    )
    args = parser.parse_args(argv)
    if args.screenshots and not args.out:
        parser.error("--screenshots needs --out")
    if args.jobs < 1 or args.timeout < 1:
        parser.error("--jobs and --timeout must be at least 1")
    args.notebooks = [path.resolve() for path in args.notebooks] or sorted(NOTEBOOKS.glob("*.ipynb"))
    if not args.notebooks:
        parser.error(f"no notebooks found in {NOTEBOOKS}")
    missing = [str(path) for path in args.notebooks if not path.is_file()]
    if missing:
        parser.error(f"no such notebook: {', '.join(missing)}")
    args.notebooks = list(dict.fromkeys(args.notebooks))  # the same file named twice runs once
    names = [path.name for path in args.notebooks]
    clashes = sorted({name for name in names if names.count(name) > 1})
    if clashes and (args.out or args.summary_json):
        parser.error(f"notebooks from different folders share a name ({', '.join(clashes)}): "
                     "their files in --out or their rows in --summary-json would be confused")
    return args


async def run_all(args):
    """Executes the notebooks, args.jobs at a time, printing a line as each starts and ends."""
    slots = asyncio.Semaphore(args.jobs)
    count = len(args.notebooks)
    started = time.monotonic()

    def progress(line):
        print(f"[notebooks {time.monotonic() - started:6.1f}s] {line}", flush=True)

    progress(f"executing {count} notebook(s) with the {KERNEL_NAME} kernel, {args.jobs} at a time")
    return await asyncio.gather(*(run_notebook(path, args, slots, progress) for path in args.notebooks))


def main(argv):
    args = parse_args(argv)
    if MISSING_JUPYTER:
        sys.exit(f"run-notebooks: {MISSING_JUPYTER} (in {sys.executable}); run `npm run setup`, "
                 "or run this script with the Python that has nbclient and nbconvert")
    kernel_environment()
    if args.out:
        args.out = args.out.resolve()
        args.out.mkdir(parents=True, exist_ok=True)
    results = asyncio.run(run_all(args))
    problems = [result for result in results if result.failure]
    screenshot_error = None
    if args.screenshots:
        screenshot_error = take_screenshots([args.out / path.with_suffix(".html").name for path in args.notebooks])
    print_table(results)
    if args.summary_json:
        args.summary_json.write_text(json.dumps([result.as_json() for result in results], indent=1) + "\n")
    passed = len(results) - len(problems)
    print(f"notebooks: {passed} passed, {len(problems)} failed" + (f"; {screenshot_error}" if screenshot_error else ""))
    return 1 if problems or screenshot_error else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
