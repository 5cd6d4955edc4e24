#!/usr/bin/env python3
"""Shows what MADV_FREE does to this process's memory, on a small throw-away mapping.

pagelab's probe runs this in a child (Node cannot madvise). It maps PAGES private anonymous
pages (argument 1, default 1024 = 4 MiB with 4 KiB pages) with MADV_NOHUGEPAGE, and reads the
kernel's own figures for that mapping (smaps Rss and LazyFree, kB) and the process's VmRSS
after each step:

  written   every page written with the byte 0x5a
  freed     madvise(MADV_FREE) over the whole mapping
  rewritten one byte written to the first page (a write takes a lazy page back)
  dontneed  madvise(MADV_DONTNEED) over the whole mapping, for contrast

After `freed` it also reads the last page's byte: 0x5a while the kernel has not taken it.
It prints one JSON line (the steps, the kernel release, SwapTotal) or {"error": ...}. Everything
mapped is unmapped before it exits. Only the standard library is used.
"""
import json
import mmap
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder off sys.path
import procfs  # noqa: E402

FILL = 0x5A


def smaps_of(start, end):
    """Rss and LazyFree (kB; LazyFree None when smaps has no such field) of the mapping [start, end)."""
    found = procfs.smaps_fields(start, ("Rss", "LazyFree"))
    if found is None or end > found["end"]:
        return None
    return {"rssKb": found.get("Rss"), "lazyFreeKb": found.get("LazyFree")}


def address_of(m):
    import ctypes

    return ctypes.addressof(ctypes.c_char.from_buffer(m))


def main():
    pages = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    if not 1 <= pages <= 65536:
        raise ValueError(f"pages must be in [1, 65536], got {pages}")
    if not hasattr(mmap, "MADV_FREE"):
        raise RuntimeError("this Python's mmap module has no MADV_FREE (Linux 4.5+, Python 3.8+)")
    page = mmap.PAGESIZE
    length = pages * page
    started = time.monotonic()
    m = mmap.mmap(-1, length, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        if hasattr(mmap, "MADV_NOHUGEPAGE"):
            m.madvise(mmap.MADV_NOHUGEPAGE)  # base pages only: a huge page would be split or marked whole
        start = address_of(m)
        steps = []

        def record(label):
            smaps = smaps_of(start, start + length) or {"rssKb": None, "lazyFreeKb": None}
            steps.append({"label": label, "rssKb": smaps["rssKb"], "lazyFreeKb": smaps["lazyFreeKb"], "vmRssKb": procfs.vm_rss_kb()})

        for i in range(pages):
            m[i * page] = FILL
            m[i * page + page - 1] = FILL
        record("written")
        try:
            m.madvise(mmap.MADV_FREE)
        except OSError as error:
            raise RuntimeError(f"madvise(MADV_FREE) failed: {error} (the kernel has no MADV_FREE before Linux 4.5)")
        record("freed")
        old_value = m[length - 1]
        m[0] = FILL
        record("rewritten")
        m.madvise(mmap.MADV_DONTNEED)
        record("dontneed")
        after_dontneed = m[length - 1]
    finally:
        m.close()
    print(json.dumps({
        "pageSize": page,
        "pages": pages,
        "kernel": os.uname().release,
        "swapTotalKb": procfs.kb_field(procfs.read_text("/proc/meminfo"), "SwapTotal"),
        "lastByteAfterFree": old_value,
        "lastByteAfterDontneed": after_dontneed,
        "steps": steps,
        "elapsedMs": round((time.monotonic() - started) * 1000, 2),
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported as JSON so the probe can say why
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
