// Platform presets: page size, huge pages, RAM, overcommit and fault policy of each simulated
// system. Every field can be overridden through the Machine options.

import { InvalidArgumentError, describeValue } from "../errors";

/**
 * Transparent huge pages (/sys/kernel/mm/transparent_hugepage/enabled): "always", "madvise" (only
 * regions given MADV_HUGEPAGE), or "never".
 */
export type ThpMode = "always" | "madvise" | "never";
/** One size's setting in /sys/kernel/mm/transparent_hugepage/hugepages-<size>kB/enabled (Linux 6.8+). */
export type ThpSizeSetting = "always" | "inherit" | "madvise" | "never";
/**
 * vm.overcommit_memory: 0 heuristic (refuse only a request larger than RAM + swap), 1 always, 2
 * strict (Committed_AS within CommitLimit).
 */
export type OvercommitMode = 0 | 1 | 2;
/**
 * The OS platforms a {@link Machine} can simulate: Linux on x86-64 (4 KiB pages) and on arm64 with
 * 64 KiB pages, macOS on Apple silicon, Windows on x86-64, and "eager", a kernel without an MMU.
 */
export type PresetName = "linux-x86_64" | "linux-arm64-64k" | "macos-arm64" | "windows-x86_64" | "eager";
/** The operating system a preset models; "nommu" is the MMU-less kernel. */
export type OsFamily = "linux" | "macos" | "windows" | "nommu";

/**
 * The settings of one OS platform: page size, huge pages, RAM, overcommit and fault policy. Every
 * field can be overridden through {@link MachineOptions}; `machine.preset` holds the values in
 * force.
 */
export interface Preset {
  /** The platform's name. */
  name: PresetName;
  /** The operating system modelled. */
  os: OsFamily;
  /** Base page size in bytes (4096, 16384 or 65536). */
  pageSize: number;
  /** Virtual address bits the page tables translate (sets the number of levels). */
  vaBits: number;
  /** Whether the platform has transparent huge pages (PMD-sized: pageSize * pageSize / 8). */
  thpSupported: boolean;
  /** /sys/kernel/mm/transparent_hugepage/enabled. */
  thp: ThpMode;
  /**
   * Multi-size THP: the setting of each huge-page size in KiB (hugepages-<size>kB/enabled). Sizes
   * left out keep Linux's defaults: the PMD size "inherit", every smaller size "never".
   */
  thpSizes: Readonly<Record<number, ThpSizeSetting>>;
  /** transparent_hugepage/use_zero_page: read faults map the huge zero page. */
  hugeZeroPage: boolean;
  /**
   * A write to the huge zero page allocates a whole huge page (newer kernels, seen on Linux 6.18)
   * instead of splitting it and backing one base page (Linux 5.8 and later until then).
   */
  thpOnHugeZeroWrite: boolean;
  /** Read faults on untouched anonymous memory map one shared zero page (no RSS). */
  zeroPageOnRead: boolean;
  /** No MMU: the kernel runs the no-MMU policy of nommu.ts (mmap backs and clears every page at once, REFERENCE §3.8). */
  eager: boolean;
  /** Physical memory in bytes. */
  ramBytes: number;
  /** Swap or page-file bytes: used only in commit limits (pages are never swapped out here). */
  swapBytes: number;
  /** vm.overcommit_memory (Windows: always strict, modelled as 2). */
  overcommit: OvercommitMode;
  /** vm.overcommit_ratio, percent of RAM in CommitLimit under mode 2. */
  overcommitRatio: number;
  /** Alignment of mapping start addresses (Windows: 64 KiB allocation granularity). */
  allocationGranularity: number;
  /** Top of the mmap area: mappings are placed top-down below it. */
  mmapBase: number;
  /** Lowest address mmap may use (vm.mmap_min_addr). */
  mmapMinAddr: number;
  /** Start of the brk heap, just above the program's data. */
  heapStart: number;
}

const GiB = 2 ** 30;

// ASSUMPTION: addresses as a non-randomized (ASLR off, as under gdb) x86-64 PIE process sees them:
// heap right after the program at 0x555555559000, shared libraries and mmaps below 0x7ffff7fff000.
const LINUX_HEAP_START = 0x555555559000;
const LINUX_MMAP_BASE = 0x7ffff7fff000;

const LINUX_X86_64: Preset = {
  name: "linux-x86_64",
  os: "linux",
  pageSize: 4096,
  vaBits: 48,
  thpSupported: true,
  thp: "madvise", // the common distribution default (Ubuntu, Debian); upstream Kconfig offers both
  thpSizes: {}, // transhuge.rst: the PMD size inherits, smaller sizes are never (REFERENCE §3.9)
  hugeZeroPage: true, // transparent_hugepage/use_zero_page defaults to 1 (REFERENCE §3.4)
  thpOnHugeZeroWrite: false, // do_huge_pmd_wp_page splits the huge zero page (REFERENCE §3.9)
  zeroPageOnRead: true, // do_anonymous_page (REFERENCE §3.1)
  eager: false,
  ramBytes: 16 * GiB,
  swapBytes: 0,
  overcommit: 0,
  overcommitRatio: 50, // Documentation/mm/overcommit-accounting.rst default (REFERENCE §3.6)
  allocationGranularity: 4096,
  mmapBase: LINUX_MMAP_BASE,
  mmapMinAddr: 65536, // vm.mmap_min_addr default on Debian/Ubuntu
  heapStart: LINUX_HEAP_START,
};

const PRESETS: Record<PresetName, Preset> = {
  "linux-x86_64": LINUX_X86_64,
  // arm64 with the 64 KiB granule: 3 levels for 48-bit VAs, PMD (THP) size 512 MiB.
  "linux-arm64-64k": { ...LINUX_X86_64, name: "linux-arm64-64k", pageSize: 65536, allocationGranularity: 65536 },
  // ASSUMPTION: XNU zero-fills anonymous pages on any first touch (vm_stat "Pages zero filled"),
  // reads included; it has no shared zero page for anonymous memory and no THP (REFERENCE §6.2).
  // Overcommit is always allowed (macOS has no commit limit; memory compression is not modelled).
  "macos-arm64": {
    ...LINUX_X86_64,
    name: "macos-arm64",
    os: "macos",
    pageSize: 16384,
    thpSupported: false,
    thp: "never",
    hugeZeroPage: false,
    zeroPageOnRead: false,
    overcommit: 1,
    allocationGranularity: 16384,
    heapStart: 0x555555560000,
  },
  // Windows: MEM_COMMIT charges the commit limit (RAM + page file) at allocation and never
  // overcommits (modelled as strict mode 2 with ratio 100); the working set grows on touch;
  // reservations are aligned to the 64 KiB allocation granularity (REFERENCE §6.1).
  // ASSUMPTION: a first read of committed memory is a demand-zero fault that allocates a private
  // zeroed page (no shared zero page); no page file; large pages are never used implicitly.
  "windows-x86_64": {
    ...LINUX_X86_64,
    name: "windows-x86_64",
    os: "windows",
    thpSupported: false,
    thp: "never",
    hugeZeroPage: false,
    zeroPageOnRead: false,
    overcommit: 2,
    overcommitRatio: 100,
    allocationGranularity: 65536,
    mmapBase: 0x7ffff7ff0000,
  },
  // No-MMU Linux: anonymous mmaps are backed and cleared at allocation (REFERENCE §3.8); there
  // is no overcommit because there is nothing to fault in later.
  eager: {
    ...LINUX_X86_64,
    name: "eager",
    os: "nommu",
    thpSupported: false,
    thp: "never",
    hugeZeroPage: false,
    zeroPageOnRead: false,
    eager: true,
  },
};

/** Bytes of a PMD-mapped huge page for a base page size: one table page of 8-byte entries, each mapping a base page. */
export function pmdBytesFor(pageSize: number): number {
  return pageSize * (pageSize / 8);
}

/** Names of the built-in presets. */
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Returns a copy of the named preset. */
export function getPreset(name: PresetName): Preset {
  const preset = typeof name === "string" && Object.hasOwn(PRESETS, name) ? PRESETS[name] : undefined;
  if (!preset) {
    throw new InvalidArgumentError(`Machine: preset must be one of ${PRESET_NAMES.join(", ")}, got ${describeValue(name)}`);
  }
  return { ...preset };
}

/** Returns the preset with `overrides` applied, after checking every field. */
export function resolvePreset(name: PresetName, overrides: Partial<Omit<Preset, "name">>): Preset {
  const preset: Preset = { ...getPreset(name) };
  // Where the preset's granularity is its page size (Linux, macOS), a page size chosen alone
  // takes the granularity with it: 16 KiB pages cannot be handed out 4 KiB at a time.
  if (overrides.pageSize !== undefined && overrides.allocationGranularity === undefined && preset.allocationGranularity === preset.pageSize) {
    preset.allocationGranularity = overrides.pageSize;
  }
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) (preset as unknown as Record<string, unknown>)[key] = value;
  }
  validatePreset(preset);
  preset.thpSizes = Object.freeze({ ...preset.thpSizes }); // the caller's object may change later
  return preset;
}

function isPowerOfTwo(value: number): boolean {
  return Number.isInteger(value) && value > 0 && Number.isInteger(Math.log2(value));
}

const NUMBER_FIELDS = [
  "pageSize", "vaBits", "ramBytes", "swapBytes", "overcommit", "overcommitRatio", "allocationGranularity", "mmapBase", "mmapMinAddr", "heapStart",
] as const;

function validatePreset(p: Preset): void {
  const fail = (field: string, value: unknown, rule: string) => {
    throw new InvalidArgumentError(`Machine: ${field} must be ${rule}, got ${describeValue(value)}`);
  };
  // A value of the wrong type is told the type first (ramBytes: "16GiB" is not a number of bytes).
  const units: Record<string, string> = { ramBytes: "of bytes, e.g. 16 * 2**30", swapBytes: "of bytes", pageSize: "of bytes", allocationGranularity: "of bytes" };
  for (const key of NUMBER_FIELDS) {
    if (typeof p[key] !== "number") fail(key, p[key], `a number${units[key] ? ` ${units[key]}` : ""}`);
  }
  if (![4096, 16384, 65536].includes(p.pageSize)) fail("pageSize", p.pageSize, "4096, 16384 or 65536");
  if (!Number.isInteger(p.vaBits) || p.vaBits < 32 || p.vaBits > 57) fail("vaBits", p.vaBits, "an integer in [32, 57]");
  if (!["always", "madvise", "never"].includes(p.thp)) fail("thp", p.thp, '"always", "madvise" or "never"');
  if (p.thp !== "never" && !p.thpSupported) fail("thp", p.thp, `"never" on ${p.name}, which has no transparent huge pages`);
  if (![0, 1, 2].includes(p.overcommit)) fail("overcommit", p.overcommit, "0, 1 or 2");
  if (!Number.isInteger(p.ramBytes) || p.ramBytes < p.pageSize * 16 || p.ramBytes % p.pageSize !== 0) {
    fail("ramBytes", p.ramBytes, `a multiple of the page size ${p.pageSize}, at least 16 pages`);
  }
  if (p.ramBytes > 2 ** 44) fail("ramBytes", p.ramBytes, "at most 16 TiB");
  if (!Number.isInteger(p.swapBytes) || p.swapBytes < 0) fail("swapBytes", p.swapBytes, "a non-negative integer");
  // More swap than a process's whole address space could never be used by it: refused as a mistake.
  if (p.swapBytes > 2 ** (p.vaBits - 1)) fail("swapBytes", p.swapBytes, `at most the user address space, 2**${p.vaBits - 1} bytes`);
  if (!Number.isFinite(p.overcommitRatio) || p.overcommitRatio < 0) fail("overcommitRatio", p.overcommitRatio, "a non-negative number");
  if (!isPowerOfTwo(p.allocationGranularity) || p.allocationGranularity < p.pageSize) {
    fail("allocationGranularity", p.allocationGranularity, `a power of two >= the page size ${p.pageSize}`);
  }
  validateThpSizes(p);
  for (const key of ["thpSupported", "hugeZeroPage", "thpOnHugeZeroWrite", "zeroPageOnRead", "eager"] as const) {
    if (typeof p[key] !== "boolean") fail(key, p[key], "a boolean");
  }
  const limit = 2 ** (p.vaBits - 1);
  for (const key of ["mmapBase", "mmapMinAddr", "heapStart"] as const) {
    if (!Number.isInteger(p[key]) || p[key] < 0 || p[key] >= limit) fail(key, p[key], `an integer in [0, 2**${p.vaBits - 1})`);
  }
  // mmap hands out addresses downward from mmapBase and never below mmapMinAddr, the heap grows up from heapStart
  if (p.mmapBase <= p.mmapMinAddr) fail("mmapBase", p.mmapBase, `above mmapMinAddr ${describeValue(p.mmapMinAddr)} (mmap places mappings between the two)`);
  if (p.heapStart < p.mmapMinAddr) fail("heapStart", p.heapStart, `at least mmapMinAddr ${describeValue(p.mmapMinAddr)}`);
}

const THP_SIZE_SETTINGS: readonly ThpSizeSetting[] = ["always", "inherit", "madvise", "never"];

/** Sizes must be powers of two from two base pages up to the PMD size, each with a known setting. */
function validateThpSizes(p: Preset): void {
  const sizes = p.thpSizes;
  if (sizes === null || typeof sizes !== "object" || Array.isArray(sizes)) {
    throw new InvalidArgumentError(`Machine: thpSizes must be an object of { sizeKiB: setting }, got ${describeValue(sizes)}`);
  }
  const pmdKiB = pmdBytesFor(p.pageSize) / 1024;
  for (const [key, setting] of Object.entries(sizes)) {
    const kib = Number(key);
    if (!isPowerOfTwo(kib) || kib * 1024 < 2 * p.pageSize || kib > pmdKiB) {
      throw new InvalidArgumentError(
        `thpSizes: size ${JSON.stringify(key)} must be a power of two in KiB from ${(2 * p.pageSize) / 1024} to ${pmdKiB}`,
      );
    }
    if (!THP_SIZE_SETTINGS.includes(setting)) {
      throw new InvalidArgumentError(`Machine: thpSizes[${key}] must be one of ${THP_SIZE_SETTINGS.join(", ")}, got ${describeValue(setting)}`);
    }
    if (setting !== "never" && !p.thpSupported) {
      throw new InvalidArgumentError(`Machine: thpSizes[${key}] must be "never" on ${p.name}, which has no transparent huge pages`);
    }
  }
}
