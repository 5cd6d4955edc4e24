"""Runs numpy statements in this (real) Python and reports what the kernel did, per statement.

pagelab's compareNumpy starts this program as a child. Request on stdin, as JSON:
    {"statements": ["l = np.zeros(2**28)", ...], "repeatsForNoise": 5}
Answer on stdout, one JSON object per line:
    {"type": "step", ...}      one per statement: counters before/after, the named array's residency
    {"type": "done", ...}      versions, madvise-hugepage, interpreter noise
    {"type": "error", ...}     a statement raised (exit 3) or was refused (exit 2)
    {"type": "missing-numpy"}  numpy cannot be imported (exit 4)
With "validateOnly": true it only checks the statements against the grammar, one line each:
    {"type": "validation", "index": k, "ok": true, "kind": "create"} or {..., "ok": false, "reason": ...}
Only statements of the shared grammar (numpy_statements.json beside this file) are run.
"""

import ast
import json
import os
import re
import resource
import sys
import time
import traceback
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder off sys.path
import procfs  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
GRAMMAR_FILE = os.path.join(HERE, "numpy_statements.json")

EXIT_REFUSED = 2
EXIT_STATEMENT_RAISED = 3
EXIT_NO_NUMPY = 4

PAGEMAP_ENTRY_BYTES = 8
PAGEMAP_CHUNK_PAGES = 1 << 16  # 512 KiB per read
MAX_MAPPING_PAGES = 1 << 26  # 256 GiB of 4 KiB pages: larger mappings are not walked
SAFE_INTEGER = 2**53
MAX_EXPONENT = 64
DEFAULT_NOISE_REPEATS = 5

PRESENT_BIT = 1 << 7  # bit 63 of the entry = bit 7 of its last little-endian byte
EXCLUSIVE_BIT = 1 << 0  # bit 56 (PM_MMAP_EXCLUSIVE) = bit 0 of that byte


def emit(record):
    sys.stdout.write(json.dumps(record, separators=(",", ":")) + "\n")
    sys.stdout.flush()


# ---- the grammar ---------------------------------------------------------------------------


class Refused(Exception):
    pass


def load_grammar():
    with open(GRAMMAR_FILE, encoding="utf-8") as f:
        spec = json.load(f)
    forms = []
    for form in spec["forms"]:
        pattern = form["pattern"]
        for token, body in spec["tokens"].items():
            pattern = pattern.replace(token, "(?:" + body + ")")
        pattern = re.sub(r"\(\?<(?=[A-Za-z])", "(?P<", pattern)  # JavaScript's group names, Python's spelling
        forms.append((form["kind"], form["shape"], re.compile(pattern)))
    return forms, frozenset(spec["reserved"])


def int_value(text):
    """Evaluates an integer literal, product, floor quotient or power, refusing huge values."""

    def walk(node):
        if isinstance(node, ast.Constant) and type(node.value) is int:
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.FloorDiv, ast.Pow)):
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow):
                if right < 0 or right > MAX_EXPONENT:
                    raise Refused("exponent %d is outside 0..%d" % (right, MAX_EXPONENT))
                value = left**right
            elif isinstance(node.op, ast.Mult):
                value = left * right
            else:
                if right == 0:
                    raise Refused("floor division by zero")
                value = left // right
            if abs(value) > SAFE_INTEGER:
                raise Refused("%s is larger than 2**53" % text)
            return value
        raise Refused("%s is not an integer expression" % text)

    return walk(ast.parse(text.strip(), mode="eval").body)


def validate(statement, forms, reserved):
    """Returns (kind, groups) for an accepted statement; raises Refused otherwise."""
    text = statement.strip()
    for kind, _shape, pattern in forms:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        groups = {k: v for k, v in m.groupdict().items() if v is not None}
        for key in ("name", "var", "out"):
            if key in groups and groups[key] in reserved:
                raise Refused("%r is a reserved name" % groups[key])
        if kind == "setEach" and groups["var"] != groups["index"]:
            raise Refused("the loop must index with its own variable %r" % groups["var"])
        if kind == "setEach" and groups["var"] == groups["name"]:
            raise Refused("the loop variable cannot be the array %r" % groups["name"])
        if kind == "addInPlace" and groups["name"] != groups["out"]:
            raise Refused("out= must be the same array as the input")
        for key in ("n", "index", "start", "stop"):
            if key in groups and not (kind == "setEach" and key == "index"):
                int_value(groups[key])
        compile(text, "<statement>", "exec")  # e.g. leading zeros: the pattern allows them, Python does not
        return kind, groups
    shapes = "; ".join(shape for _k, shape, _p in forms)
    raise Refused("not an accepted statement; accepted: " + shapes)


# ---- what the kernel says ------------------------------------------------------------------


def counters():
    """VmRSS, VmSize, RssAnon, AnonHugePages (kB) and minor faults, in that reading order."""
    status = procfs.read_text("/proc/self/status")
    rollup = procfs.read_text("/proc/self/smaps_rollup")
    return {
        "VmRSS": procfs.kb_field(status, "VmRSS"),
        "VmSize": procfs.kb_field(status, "VmSize"),
        "RssAnon": procfs.kb_field(status, "RssAnon"),
        "AnonHugePages": procfs.kb_field(rollup, "AnonHugePages"),
        "minorFaults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt,
    }


def counters_after():
    """The same figures, minor faults read first (right after the statement)."""
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    figures = counters()
    figures["minorFaults"] = faults
    return figures


def mapping_of(address):
    for line in procfs.read_text("/proc/self/maps").splitlines():
        fields = line.split(None, 5)
        start, end = (int(x, 16) for x in fields[0].split("-"))
        if start <= address < end:
            return {"start": start, "end": end, "perms": fields[1], "path": fields[5] if len(fields) > 5 else ""}
    return None


def smaps_of(start):
    """The kernel's own Rss and AnonHugePages (kB) of the mapping starting at `start`."""
    found = procfs.smaps_fields(start, ("Rss", "AnonHugePages")) or {}
    return {"rssKb": found.get("Rss"), "anonHugeKb": found.get("AnonHugePages")}


def byte_table(mask, want):
    return bytes(1 if (b & mask) == want else 0 for b in range(256))


PRESENT_TABLE = byte_table(PRESENT_BIT, PRESENT_BIT)
EXCLUSIVE_TABLE = byte_table(PRESENT_BIT | EXCLUSIVE_BIT, PRESENT_BIT | EXCLUSIVE_BIT)


def count_pages(fd, first, count):
    """Present and present-exclusive pages of [first, first + count) pages, read in chunks."""
    present = exclusive = 0
    done = 0
    while done < count:
        n = min(PAGEMAP_CHUNK_PAGES, count - done)
        buf = os.pread(fd, n * PAGEMAP_ENTRY_BYTES, (first + done) * PAGEMAP_ENTRY_BYTES)
        flags = buf[PAGEMAP_ENTRY_BYTES - 1 :: PAGEMAP_ENTRY_BYTES]  # the byte holding bits 56..63
        present += flags.translate(PRESENT_TABLE).count(1)
        exclusive += flags.translate(EXCLUSIVE_TABLE).count(1)
        done += n
    return {"pages": count, "present": present, "exclusive": exclusive, "zeroPage": present - exclusive}


def residency(start, end):
    page = os.sysconf("SC_PAGE_SIZE")
    first, last = start // page, -(-end // page)
    if last - first > MAX_MAPPING_PAGES:
        return {"pages": last - first, "skipped": "more than %d pages" % MAX_MAPPING_PAGES}
    fd = os.open("/proc/self/pagemap", os.O_RDONLY)
    try:
        return count_pages(fd, first, last - first)
    finally:
        os.close(fd)


def array_figures(np, value):
    """Address, mapping and residency of an ndarray (None for anything else)."""
    if not isinstance(value, np.ndarray):
        return None
    address = value.__array_interface__["data"][0]
    mapping = mapping_of(address)
    figures = {"address": address, "nbytes": int(value.nbytes), "mapping": mapping}
    figures["array"] = residency(address, address + max(int(value.nbytes), 1))
    if mapping is not None:
        figures["mappingResidency"] = residency(mapping["start"], mapping["end"])
        figures["mappingSmaps"] = smaps_of(mapping["start"])
    return figures


# ---- running ---------------------------------------------------------------------------------


def madvise_hugepage(np):
    """numpy's own switch for the MADV_HUGEPAGE hint (numpy._core in 2.x, numpy.core in 1.x)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy 2 warns about numpy.core on stderr
        for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
            try:
                mod = __import__(module, fromlist=["_get_madvise_hugepage"])
                return bool(mod._get_madvise_hugepage())
            except (ImportError, AttributeError):
                continue
    return None


def run_step(np, namespace, index, statement, name):
    code = compile(statement.strip(), "<step %d>" % index, "exec")  # compiled outside the measured window
    array_before = array_figures(np, namespace.get(name)) if name else None
    before = counters()
    started = time.perf_counter()
    exec(code, namespace)
    seconds = time.perf_counter() - started
    after = counters_after()
    array_after = array_figures(np, namespace.get(name)) if name else None
    return {
        "type": "step",
        "index": index,
        "statement": statement,
        "name": name,
        "before": before,
        "after": after,
        "arrayBefore": array_before,
        "arrayAfter": array_after,
        "seconds": seconds,
    }


def measure_noise(np, namespace, repeats):
    """The empty statement, measured like a real one: what the interpreter itself moves."""
    rss = faults = 0
    for k in range(repeats):
        step = run_step(np, namespace, -1 - k, "pass", None)
        rss = max(rss, abs(step["after"]["VmRSS"] - step["before"]["VmRSS"]))
        faults = max(faults, step["after"]["minorFaults"] - step["before"]["minorFaults"])
    return {"vmRssKb": rss, "minorFaults": faults, "repeats": repeats}


def report_validation(statements, forms, reserved):
    for index, statement in enumerate(statements):
        try:
            kind, _groups = validate(statement, forms, reserved)
            emit({"type": "validation", "index": index, "ok": True, "kind": kind})
        except (Refused, SyntaxError, ValueError) as e:
            emit({"type": "validation", "index": index, "ok": False, "reason": str(e)})
    return 0


def main():
    request = json.load(sys.stdin)
    statements = request.get("statements")
    repeats = request.get("repeatsForNoise", DEFAULT_NOISE_REPEATS)
    if not isinstance(statements, list) or not all(isinstance(s, str) for s in statements):
        emit({"type": "error", "error": "refused", "index": None, "statement": None, "exception": "statements must be a list of strings"})
        return EXIT_REFUSED
    if not isinstance(repeats, int) or isinstance(repeats, bool) or not 0 <= repeats <= 1000:
        emit({"type": "error", "error": "refused", "index": None, "statement": None, "exception": "repeatsForNoise must be an integer in 0..1000"})
        return EXIT_REFUSED
    forms, reserved = load_grammar()
    if request.get("validateOnly") is True:
        return report_validation(statements, forms, reserved)
    parsed = []
    for index, statement in enumerate(statements):
        try:
            parsed.append(validate(statement, forms, reserved))
        except (Refused, SyntaxError, ValueError) as e:
            emit({"type": "error", "error": "refused", "index": index, "statement": statement, "exception": str(e)})
            return EXIT_REFUSED
    try:
        import numpy as np
    except ImportError as e:
        emit({"type": "missing-numpy", "exception": str(e), "python": sys.version, "executable": sys.executable})
        return EXIT_NO_NUMPY

    namespace = {"np": np}  # exec adds the builtins numpy itself needs (l.sum() imports lazily)
    noise = measure_noise(np, namespace, repeats)
    for index, statement in enumerate(statements):
        kind, groups = parsed[index]
        if kind == "setEach" and isinstance(namespace.get(groups["var"]), np.ndarray):
            why = "the loop variable %r would replace the array of that name" % groups["var"]
            emit({"type": "error", "error": "refused", "index": index, "statement": statement, "exception": why})
            return EXIT_REFUSED
        try:
            emit(run_step(np, namespace, index, statement, groups.get("name")))
        except Exception as e:
            text = "".join(traceback.format_exception_only(type(e), e)).strip()
            emit({"type": "error", "error": "raised", "index": index, "statement": statement, "exception": text})
            return EXIT_STATEMENT_RAISED
    emit(
        {
            "type": "done",
            "steps": len(statements),
            "numpy": np.__version__,
            "python": sys.version,
            "executable": sys.executable,
            "madviseHugepage": madvise_hugepage(np),
            "pageSize": os.sysconf("SC_PAGE_SIZE"),
            "noise": noise,
        }
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
