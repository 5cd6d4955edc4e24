#!/usr/bin/env python3
"""Measures how this host's kernel backs anonymous memory on first touch, on throw-away memory.

pagelab's probe runs this once per process (Node cannot madvise): it maps 8 MiB, touches one
byte in four separate regions, and reports what the kernel did in each as JSON on stdout:

  read-small   MADV_NOHUGEPAGE, read one byte: the shared zero page, or a private page?
  read-huge    MADV_HUGEPAGE, read the first byte of an aligned 2 MiB block: the huge zero
               page, a whole huge page, or small pages?
  write-plain  no advice, write one byte: how much did the fault allocate (4K, an mTHP size, 2M)?
  write-huge   MADV_HUGEPAGE, write one byte: the same question in a madvised range.
  write-after-huge-read
               write one byte into the read-huge block: when the read mapped the huge zero
               page, is it split (one 4 KiB page) or replaced by a whole huge page?

The evidence is the kernel's own: pagemap entries (present, exclusive, PFN), kpageflags where
readable (root), smaps Rss/AnonHugePages of the region's mapping and VmRSS. Everything mapped
is unmapped before the program exits. Only the standard library is used.
"""
import ctypes
import json
import mmap
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # -I leaves this folder off sys.path
import procfs  # noqa: E402

HUGE = 2 * 1024 * 1024
MAPPED = 8 * 1024 * 1024
PAGE = mmap.PAGESIZE
KPF_THP = 1 << 22
KPF_ZERO_PAGE = 1 << 24
PFN_MASK = (1 << 55) - 1


def vmstat(names):
    try:
        with open("/proc/vmstat") as f:
            pairs = (line.split() for line in f)
            return {k: int(v) for k, v in pairs if k in names}
    except OSError:
        return {}


def pagemap(addr, count):
    with open("/proc/self/pagemap", "rb") as f:
        f.seek(addr // PAGE * 8)
        data = f.read(count * 8)
    return [struct.unpack_from("<Q", data, 8 * i)[0] for i in range(len(data) // 8)]


def kpageflags(pfn):
    """The frame's kpageflags word, or None where /proc/kpageflags is unreadable (not root)."""
    try:
        with open("/proc/kpageflags", "rb") as f:
            f.seek(pfn * 8)
            data = f.read(8)
        return struct.unpack("<Q", data)[0] if len(data) == 8 else None
    except OSError:
        return None


def observe(name, advice, access, addr, pages, rss_before, stat_before):
    entries = pagemap(addr, pages)
    present = [e for e in entries if e >> 63 & 1]
    first = entries[0] if entries else 0
    pfn = first & PFN_MASK if first >> 63 & 1 else 0
    flags = kpageflags(pfn) if pfn else None
    smaps = procfs.smaps_fields(addr, ("Rss", "AnonHugePages")) or {}
    stat_after = vmstat(stat_before.keys())
    return {
        "region": name,
        "advice": advice,
        "access": access,
        "pagesExamined": len(entries),
        "pagesPresent": len(present),
        "pagesExclusive": sum(1 for e in present if e >> 56 & 1),
        "pagesFileOrShared": sum(1 for e in present if e >> 61 & 1),
        "firstPfn": pfn if pfn else None,
        "kpageflags": None if flags is None else {"zeroPage": bool(flags & KPF_ZERO_PAGE), "thp": bool(flags & KPF_THP)},
        "smapsRssKb": smaps.get("Rss"),
        "smapsAnonHugePagesKb": smaps.get("AnonHugePages"),
        "mappingBytes": smaps["end"] - smaps["start"] if "end" in smaps else None,
        "vmRssDeltaKb": procfs.vm_rss_kb() - rss_before,
        "vmstatDelta": {k: stat_after.get(k, 0) - v for k, v in stat_before.items()},
    }


def main():
    started = time.perf_counter()
    region = mmap.mmap(-1, MAPPED, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    anchor = ctypes.c_char.from_buffer(region)
    base = ctypes.addressof(anchor)
    del anchor  # the buffer export must end before close()
    aligned = (base + HUGE - 1) // HUGE * HUGE
    offset = aligned - base
    # Three whole aligned 2 MiB blocks always fit; the small read goes below the first, or after
    # the third when the mapping happens to start aligned.
    blocks = [offset, offset + HUGE, offset + 2 * HUGE]
    small = (0, offset) if offset > 0 else (offset + 3 * HUGE, HUGE)
    region.madvise(mmap.MADV_NOHUGEPAGE, small[0], small[1])
    region.madvise(mmap.MADV_HUGEPAGE, blocks[0], HUGE)
    region.madvise(mmap.MADV_HUGEPAGE, blocks[2], HUGE)
    counters = ("thp_fault_alloc", "thp_fault_fallback", "thp_zero_page_alloc")
    # One untimed round of every reader first, so their own allocations stay out of VmRSS deltas.
    procfs.vm_rss_kb(), vmstat(counters), procfs.smaps_fields(base, ("Rss", "AnonHugePages")), pagemap(base, 1), kpageflags(1)
    results = []
    plan = [
        ("read-small", "nohugepage", "read", small[0], small[1] // PAGE),
        ("read-huge", "hugepage", "read", blocks[2], HUGE // PAGE),
        ("write-plain", "none", "write", blocks[1], HUGE // PAGE),
        ("write-huge", "hugepage", "write", blocks[0], HUGE // PAGE),
        ("write-after-huge-read", "hugepage", "write", blocks[2] + PAGE, HUGE // PAGE - 1),
    ]
    sink = 0
    for name, advice, access, at, pages in plan:
        rss, stat = procfs.vm_rss_kb(), vmstat(counters)
        if access == "read":
            sink += region[at]
        else:
            region[at] = 1
        results.append(observe(name, advice, access, base + at, pages, rss, stat))
    region.close()
    released = procfs.smaps_fields(base, ("Rss", "AnonHugePages")) is None
    print(json.dumps({
        "pageSize": PAGE,
        "hugeSize": HUGE,
        "mappedBytes": MAPPED,
        "readValue": sink,
        "released": released,
        "elapsedMs": round((time.perf_counter() - started) * 1000, 2),
        "regions": results,
    }))


if __name__ == "__main__":
    try:
        main()
    except Exception as error:  # reported to the caller as JSON, never a traceback on stderr
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}))
        sys.exit(3)
