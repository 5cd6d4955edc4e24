"""What the kernel says about this process, read from /proc/self: the helpers pagelab's child
scripts share (host_calibration.py, lazy_free.py, numpy_steps.py). Standard library only.

The scripts run with `python -I`, which leaves their own folder off sys.path, so each puts it
back before `import procfs`.
"""
import re


def read_text(path):
    with open(path, "rb") as f:
        return f.read().decode("ascii", "replace")


def kb_field(text, key):
    """The `key:   N kB` figure of a /proc text, or None when the text has no such line."""
    m = re.search(r"^" + key + r":\s+(\d+) kB$", text, re.M)
    return int(m.group(1)) if m else None


def vm_rss_kb():
    return kb_field(read_text("/proc/self/status"), "VmRSS")


def smaps_fields(addr, keys):
    """The mapping of /proc/self/smaps that holds addr: {"start", "end"} and each of `keys` it
    lists (kB), or None when no mapping holds addr."""
    head = re.compile(r"^([0-9a-f]+)-([0-9a-f]+) ")
    found = None
    for line in read_text("/proc/self/smaps").splitlines():
        m = head.match(line)
        if m:
            if found is not None:
                break
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            if start <= addr < end:
                found = {"start": start, "end": end}
            continue
        if found is not None:
            key = line.split(":", 1)[0]
            if key in keys:
                found[key] = int(line.split()[1])
    return found
