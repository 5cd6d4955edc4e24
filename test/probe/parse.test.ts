import { describe, expect, it } from "vitest";
import { mmapChunkBytes, requestToChunkSize } from "../../src/libc/constants";
import { parseMinorFaults, parseStatus } from "../../src/probe/counters";
import { nearestCpuPreset } from "../../src/probe/cpuPreset";
import { parseMemTotal, parseOvercommit, parseThpMode } from "../../src/probe/host";
import { identifyAllocation } from "../../src/probe/identify";
import { Vma, parseMaps, regionsNewIn } from "../../src/probe/maps";
import { smallestKernelPageSize } from "../../src/probe/pageSize";
import { parseSmaps } from "../../src/probe/smaps";

const MAPS = [
  "55d4c0a00000-55d4c0a21000 rw-p 00000000 00:00 0                          [heap]",
  "7f0000000000-7f0000100000 r-xp 00001000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libc.so.6",
  "7f1000000000-7f1000021000 rw-p 00000000 00:00 0 ",
  "7f2000000000-7f2000001000 rw-p 00000000 00:00 0                          /tmp/a file with spaces",
  "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]",
].join("\n");

const anon = (start: number, end: number, perms = "rw-p"): Vma => ({ start, end, perms, offset: 0, inode: 0, path: "" });

describe("maps", () => {
  it("parses addresses, permissions, inode and paths with spaces", () => {
    const vmas = parseMaps(MAPS);
    expect(vmas).toHaveLength(5);
    expect(vmas[0]).toMatchObject({ start: 0x55d4c0a00000, end: 0x55d4c0a21000, perms: "rw-p", path: "[heap]" });
    expect(vmas[1]).toMatchObject({ perms: "r-xp", offset: 0x1000, inode: 1234 });
    expect(vmas[2].path).toBe("");
    expect(vmas[3].path).toBe("/tmp/a file with spaces");
  });

  it("finds a fresh mapping, the part a VMA grew by, and ignores mprotect inside an old reservation", () => {
    const P = 4096;
    const before = [anon(100 * P, 200 * P), anon(300 * P, 364 * P, "---p"), anon(500 * P, 510 * P)];
    const after = [
      anon(50 * P, 200 * P), // grew down by 50 pages (a new mmap merged below)
      anon(300 * P, 310 * P), // arena made part of its reservation writable
      anon(310 * P, 364 * P, "---p"),
      anon(500 * P, 510 * P), // unchanged
      anon(600 * P, 700 * P), // brand new
    ];
    const regions = regionsNewIn(before, after).map((r) => [r.start / P, r.end / P]);
    expect(regions).toEqual([[50, 100], [600, 700]]);
  });

  it("ignores file-backed, named and read-only VMAs", () => {
    const after = parseMaps(MAPS);
    expect(regionsNewIn([], after).map((r) => r.vma.path)).toEqual([""]);
  });
});

describe("identifyAllocation", () => {
  const P = 4096;
  const bytes = 2 ** 28;
  const chunk = mmapChunkBytes(requestToChunkSize(bytes), P);

  it("computes glibc's mmapped chunk size: 256 MiB needs 65537 pages, 1 MiB 257", () => {
    expect(chunk).toBe(65537 * P);
    expect(mmapChunkBytes(requestToChunkSize(2 ** 20), P)).toBe(257 * P);
    expect(mmapChunkBytes(requestToChunkSize(1), P)).toBe(P);
  });

  it("prefers the one region of exactly the chunk size", () => {
    const regions = [{ start: P, end: P + chunk, vma: anon(P, P + chunk) }, { start: 10 * 2 ** 30, end: 10 * 2 ** 30 + 33 * P, vma: anon(10 * 2 ** 30, 10 * 2 ** 30 + 33 * P) }];
    const found = identifyAllocation(regions, bytes, P);
    expect(found.exactChunk).toBe(true);
    expect(found.mapping).toEqual({ start: P, end: P + chunk });
  });

  it("accepts a whole VMA of the chunk size even when an old VMA overlapped it (address reuse)", () => {
    const vma = anon(2 ** 30, 2 ** 30 + chunk);
    const found = identifyAllocation([{ start: 2 ** 30, end: 2 ** 30 + P, vma }], bytes, P);
    expect(found.mapping).toEqual({ start: vma.start, end: vma.end });
  });

  it("says so when nothing new can hold the array, or two candidates tie", () => {
    expect(identifyAllocation([], bytes, P)).toMatchObject({ mapping: null });
    expect(identifyAllocation([], bytes, P).note).toMatch(/already had/);
    const twin = (s: number) => ({ start: s, end: s + chunk, vma: anon(s, s + chunk) });
    const tie = identifyAllocation([twin(2 ** 32), twin(2 ** 33)], bytes, P);
    expect(tie.mapping).toBeNull();
    expect(tie.note).toMatch(/cannot tell/);
  });

  it("never takes a fresh region for a request glibc serves from its arena (below 128 KiB)", () => {
    // A page V8 commits for its own heap during the allocation is large enough, but not the array's.
    const v8Page = anon(2 ** 33, 2 ** 33 + 64 * P);
    const small = identifyAllocation([{ start: v8Page.start, end: v8Page.end, vma: v8Page }], 100, P);
    expect(small.mapping).toBeNull();
    expect(small.note).toMatch(/arena/);
    const belowThreshold = identifyAllocation([{ start: v8Page.start, end: v8Page.end, vma: v8Page }], 128 * 1024 - 1, P);
    expect(belowThreshold.mapping).toBeNull();
    const atThreshold = identifyAllocation([{ start: v8Page.start, end: v8Page.end, vma: v8Page }], 128 * 1024, P);
    expect(atThreshold.mapping).toEqual({ start: v8Page.start, end: v8Page.end });
  });

  it("falls back to the whole grown VMA, without a data address, when the size is not a chunk's", () => {
    const heap = anon(2 ** 32, 2 ** 32 + chunk + 100 * P);
    const found = identifyAllocation([{ start: 2 ** 32 + 50 * P, end: heap.end, vma: heap }], bytes, P);
    expect(found.exactChunk).toBe(false);
    expect(found.mapping).toEqual({ start: heap.start, end: heap.end });
  });
});

describe("status, stat, smaps, meminfo, sysfs", () => {
  it("parses VmRSS, VmSize and RssAnon in kB", () => {
    const text = "Name:\tnode\nVmSize:\t  1234 kB\nVmRSS:\t   567 kB\nRssAnon:\t 89 kB\n";
    expect(parseStatus(text)).toEqual({ VmSize: 1234, VmRSS: 567, RssAnon: 89 });
    expect(parseStatus("VmRSS: 1 kB\n")).toBeNull();
  });

  it("counts stat fields from the last parenthesis, so odd command names do not shift field 10", () => {
    const stat = "4242 (we (ird) name) S 1 4242 4242 0 -1 4194560 777 0 3 0 5 6 0 0 20 0 11 0 100 2000 300";
    expect(parseMinorFaults(stat)).toBe(777);
    expect(parseMinorFaults("garbage")).toBeNull();
  });

  it("parses smaps entries", () => {
    const text = [
      "7f1000000000-7f1000400000 rw-p 00000000 00:00 0 ",
      "Size:               4096 kB",
      "KernelPageSize:        4 kB",
      "Rss:                2060 kB",
      "Anonymous:          2060 kB",
      "AnonHugePages:      2048 kB",
      "Swap:                  8 kB",
      "THPeligible:    1",
      "VmFlags: rd wr mr mw me ac hg",
      "7f2000000000-7f2000001000 r--p 00000000 08:01 99   /lib/x.so",
      "Rss:                   4 kB",
      "KernelPageSize:        2048 kB",
      "THPeligible:    0",
    ].join("\n");
    const [a, b] = parseSmaps(text);
    expect(a).toMatchObject({ start: 0x7f1000000000, end: 0x7f1000400000, Rss: 2060, Anonymous: 2060, AnonHugePages: 2048, Swap: 8, THPeligible: 1 });
    expect(a.VmFlags).toContain("hg");
    expect(b).toMatchObject({ Rss: 4, THPeligible: 0, VmFlags: "" });
    expect(smallestKernelPageSize(text)).toBe(4096);
    expect(smallestKernelPageSize("nothing")).toBeNull();
  });

  it("parses MemTotal, the THP choice and the overcommit mode", () => {
    expect(parseMemTotal("MemTotal:       24684084 kB\nMemFree: 1 kB\n")).toBe(24684084 * 1024);
    expect(parseThpMode("always [madvise] never\n")).toBe("madvise");
    expect(parseThpMode("[always] madvise never")).toBe("always");
    expect(parseThpMode("always madvise never")).toBeNull();
    expect(parseOvercommit("2\n")).toBe(2);
    expect(parseOvercommit("7")).toBeNull();
  });
});

describe("nearestCpuPreset", () => {
  const x86 = (vendor: string, family: number, model: number, name = "some cpu") =>
    `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: ${model}\nmodel name\t: ${name}\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n`;
  const arm = (implementer: string, part: string) =>
    `processor\t: 0\nBogoMIPS\t: 48.00\nCPU implementer\t: ${implementer}\nCPU architecture: 8\nCPU part\t: ${part}\n\n`;

  it("recognises the presets' own cores", () => {
    expect(nearestCpuPreset(x86("GenuineIntel", 6, 0x55))).toMatchObject({ preset: "skylake", guessed: false });
    expect(nearestCpuPreset(x86("GenuineIntel", 6, 0x97))).toMatchObject({ preset: "golden-cove", guessed: false });
    expect(nearestCpuPreset(x86("AuthenticAMD", 0x17, 0x31))).toMatchObject({ preset: "zen2", guessed: false });
    expect(nearestCpuPreset(arm("0x41", "0xd07"))).toMatchObject({ preset: "cortex-a57", guessed: false, model: "implementer 0x41 part 0xd07" });
    expect(nearestCpuPreset(arm("0x61", "0x023"))).toMatchObject({ preset: "apple-m1", guessed: false });
  });

  it("guesses, and says so, for other CPUs", () => {
    const zen4 = nearestCpuPreset(x86("AuthenticAMD", 25, 17, "AMD EPYC"));
    expect(zen4).toMatchObject({ preset: "zen2", guessed: true, model: "AMD EPYC" });
    expect(zen4.note).toMatch(/Zen 3 or Zen 4.*guessed/);
    expect(nearestCpuPreset(x86("AuthenticAMD", 0x17, 0x01))).toMatchObject({ preset: "zen2", guessed: true });
    expect(nearestCpuPreset(x86("GenuineIntel", 6, 0xb7))).toMatchObject({ preset: "golden-cove", guessed: true });
    expect(nearestCpuPreset(x86("GenuineIntel", 6, 0x3c))).toMatchObject({ preset: "skylake", guessed: true });
    expect(nearestCpuPreset(arm("0x41", "0xd0c"))).toMatchObject({ preset: "cortex-a57", guessed: true });
    expect(nearestCpuPreset(arm("0x61", "0x032"))).toMatchObject({ preset: "apple-m1", guessed: true });
    expect(nearestCpuPreset("")).toMatchObject({ preset: "skylake", guessed: true, model: null });
  });
});
