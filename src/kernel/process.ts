// A simulated process: its system calls (mmap, munmap, mprotect, madvise, brk, fork), memory
// accesses (touch, memset, read, write, accessPages) and the kernel's views of it (status,
// smaps, page states). Every call is logged with the faults it caused.

import { InvalidArgumentError, PagelabError, ProcessKilledError, describeValue, ProcessExitedError } from "../errors";
import type { AccessKind } from "../hardware/translation";
import { type AccessOptions, type PageVisitor, accessPage, runAccess, validateAccess } from "./access";
import { handleFault } from "./fault";
import { type ProcessStatus, type SmapsEntry, smapsOf, statusOf, vmFlagsOf } from "./accounting";
import { doBrk, doSbrk } from "./brk";
import { type KernelCounters, diffCounters, zeroCounters } from "./counters";
import { type KernelEvent, summarizeFaults } from "./events";
import { doFork } from "./fork";
import type { Machine } from "./machine";
import { Mm } from "./mm";
import { measure, type Phase } from "./measure";
import { type MmapOptions, doMmap, doMunmap, userSpaceEnd } from "./mmap";
import { PageTable } from "./page-table";
import { type ResidencySummary, pageStatesOf, residencySummaryOf } from "./page-state";
import { type Advice, doMadvise, doMprotect } from "./protect";
import { entryPfn, isSwapEntry } from "./pte";
import { checkOptions, requireInteger, roundUp } from "./validate";
import type { Prot } from "./vma";
import { JUPYTER_DISPLAY, type MimeBundle, displayBundle } from "../display-protocol";

/** The largest read() the simulator returns at once. */
export const MAX_READ_BYTES = 64 * 2 ** 20;
/** memset is modelled as 8-byte stores: the repeats each page visit reports. ASSUMPTION (glibc uses wider vector stores). */
const MEMSET_STORE_BYTES = 8;
/** memcpy moves data through a host buffer of at most this many bytes at a time. */
const MEMCPY_SEGMENT_BYTES = 2 ** 20;

/** One mapping (VMA) of a process: what {@link Process.vmas} returns. */
export interface VmaInfo {
  /** First address of the mapping. */
  start: number;
  /** Address just past the mapping. */
  end: number;
  /** The mapping's protection. */
  prot: Prot;
  /** smaps VmFlags words, e.g. ["rd", "wr", "mr", "mw", "me", "ac", "hg"]. */
  flags: string[];
  /** The mapping's label ("[heap]" for brk), if any. */
  name?: string;
}

/** Errors that a call raises before changing anything: such calls are not logged. */
function refusedUpFront(error: unknown): boolean {
  return error instanceof PagelabError && error.kind !== "process-killed" && error.kind !== "memory-error" && error.kind !== "internal-check";
}

/**
 * A simulated process: its system calls (mmap, munmap, mprotect, madvise, brk, fork, exit), its
 * memory accesses (touch, memset, read, write, memcpy, accessPages) and the kernel's views of it
 * (status, smaps, vmas, page states, page-table levels). Every call is logged with the faults it
 * caused; a call on a process that exited or was killed is refused. Made by {@link Machine.spawn}
 * or {@link Process.fork}.
 * @example
 * ```ts
 * const m = new Machine();
 * const p = m.spawn();
 * const addr = p.mmap(4 << 20);          // 4 MiB: mapped, nothing resident
 * p.touch(addr, 4096, "read");           // one read fault: the shared zero page
 * p.touch(addr, 4 << 20, "write");       // write faults: private pages
 * const child = p.fork();
 * child.touch(addr, 4096, "write");      // copy-on-write: one page copied
 * console.log(p.status().VmRSS, child.counters.cowCopies);
 * ```
 */
export class Process {
  /** The machine's base page size in bytes. */
  readonly pageSize: number;
  /** The address space (internal to the kernel). @internal */
  readonly mm: Mm;
  /** Live counters (internal; read `counters` for a copy). @internal */
  readonly counterSet: KernelCounters = zeroCounters();
  private callDepth = 0;
  /** The page-fault entry of this process's accesses, made once rather than per access run. @internal */
  readonly faultHandler = (vaddr: number, kind: AccessKind): void => handleFault(this.machine, this, vaddr, kind);
  private deathReason: string | null = null;
  private parentProcess: Process | null = null;
  private readonly forkHandlers: ((child: Process) => void)[] = [];

  /**
   * @param machine - The machine the process runs on.
   * @param pid - The process id.
   * @param brkStart - Where the brk heap starts (default: the platform's heap start, page-aligned).
   * @internal Public ways in: machine.spawn() and proc.fork().
   */
  constructor(readonly machine: Machine, readonly pid: number, brkStart?: number) {
    this.pageSize = machine.preset.pageSize;
    const pageTable = new PageTable(
      { pageShift: Math.log2(machine.preset.pageSize), vaBits: machine.preset.vaBits },
      () => machine.allocTableFrame(this.alive ? this : null),
      (pfn) => machine.freeTableFrame(pfn),
      machine.tableCore,
    );
    this.mm = new Mm(pageTable, brkStart ?? roundUp(machine.preset.heapStart, machine.preset.pageSize));
  }

  /** False once the process exited or was killed. */
  get alive(): boolean {
    return this.deathReason === null;
  }

  /** True when the OOM killer killed the process. */
  get killed(): boolean {
    return this.deathReason !== null && this.deathReason.startsWith("killed");
  }

  /** Why the process is gone ("killed by the OOM killer ...", "exited"), or null. */
  get killReason(): string | null {
    return this.deathReason;
  }

  /** A copy of the process's kernel counters. */
  get counters(): KernelCounters {
    return { ...this.counterSet };
  }

  /** This process's entries of the machine's event log. */
  get events(): KernelEvent[] {
    return this.machine.events.filter((event) => event.pid === this.pid);
  }

  /** Maps `length` bytes of private anonymous memory and returns the start address (top-down placement). */
  mmap(length: number, opts?: MmapOptions): number {
    return this.call("mmap", { length, ...(opts ?? {}) }, () => doMmap(this.machine, this, length, opts));
  }

  /** Unmaps the pages of [addr, addr + length) (addr page-aligned), also part of a mapping. */
  munmap(addr: number, length: number): void {
    this.call("munmap", { addr, length }, () => doMunmap(this.machine, this, addr, length));
  }

  /** Changes the protection of the whole pages of [addr, addr + length) (which must be mapped). */
  mprotect(addr: number, length: number, prot: Prot): void {
    this.call("mprotect", { addr, length, prot }, () => doMprotect(this.machine, this, addr, length, prot));
  }

  /** Applies MADV_HUGEPAGE / MADV_NOHUGEPAGE / MADV_DONTNEED / MADV_FREE ("free") to the mapped range. */
  madvise(addr: number, length: number, advice: Advice): void {
    this.call("madvise", { addr, length, advice }, () => doMadvise(this.machine, this, addr, length, advice));
  }

  /** Returns the program break, or moves it to `newEnd` and returns the new break. */
  brk(newEnd?: number): number {
    if (newEnd === undefined) {
      this.requireAlive("brk");
      return this.mm.brkEnd;
    }
    return this.call("brk", { newEnd }, () => doBrk(this.machine, this, newEnd));
  }

  /** Moves the program break by `increment` bytes and returns the previous break. */
  sbrk(increment: number): number {
    return this.call("sbrk", { increment }, () => doSbrk(this.machine, this, increment));
  }

  /** The process this one was forked from (its ppid), or null for a process made by spawn(). */
  get parent(): Process | null {
    return this.parentProcess;
  }

  /**
   * Forks: returns the child, whose private pages are shared copy-on-write with this process.
   * The handlers registered with atFork() run before it is returned.
   */
  fork(): Process {
    return this.call("fork", {}, () => {
      const child = doFork(this.machine, this);
      child.parentProcess = this;
      for (const handler of this.forkHandlers) handler(child);
      return child;
    });
  }

  /**
   * Registers `handler(child)` to run in every later fork() of this process, once the child's
   * address space exists and before fork() returns it: the child side of pthread_atfork. The
   * libraries modelled above the kernel (the C allocator, numpy) use it to give the child a copy
   * of their state, as a real fork copies the memory that state lives in. A handler runs inside
   * the fork call (whatever it makes the parent do is part of the fork's event). The child starts
   * with no handlers: what copies itself into it registers its own.
   */
  atFork(handler: (child: Process) => void): void {
    if (typeof handler !== "function") throw new InvalidArgumentError(`atFork(handler): handler must be a function, got ${describeValue(handler)}`);
    this.forkHandlers.push(handler);
  }

  /** Ends the process: every frame, table page and commit charge is released. */
  exit(): void {
    this.call("exit", {}, () => {
      this.deathReason = "exited";
      this.machine.reap(this);
    });
  }

  /** Reads or writes every page of [addr, addr + length) once (faulting pages in), without data. */
  touch(addr: number, length: number, kind: AccessKind): void {
    this.call("touch", { addr, length, kind }, () => {
      const how = validateAccess(this.machine, this, "touch", addr, length, kind);
      runAccess(this.machine, this, addr, length, how);
    });
  }

  /** Sets `length` bytes from `addr` to `byte` (a write of every page). */
  memset(addr: number, byte: number, length: number): void {
    this.call("memset", { addr, byte, length }, () => {
      validateAccess(this.machine, this, "memset", addr, length, "write");
      const value = requireInteger("memset", "byte", byte, 0, 255);
      const memory = this.machine.memory;
      runAccess(this.machine, this, addr, length, "write", (pfn, offset, len) => memory.fillBytes(pfn, offset, len, value), MEMSET_STORE_BYTES);
    });
  }

  /** Returns a copy of `length` bytes from `addr` (at most 64 MiB). */
  read(addr: number, length: number): Uint8Array {
    const out = { bytes: new Uint8Array(0) };
    this.call("read", { addr, length }, () => {
      validateAccess(this.machine, this, "read", addr, length, "read");
      if (length > MAX_READ_BYTES) {
        throw new InvalidArgumentError(`read: length ${describeValue(length)} is over the ${MAX_READ_BYTES}-byte (64 MiB) limit; read in pieces or use accessPages`);
      }
      const bytes = new Uint8Array(length);
      const memory = this.machine.memory;
      runAccess(this.machine, this, addr, length, "read", (pfn, offset, len, runOffset) => memory.readBytes(pfn, offset, bytes, runOffset, len), 1);
      out.bytes = bytes;
    });
    return out.bytes;
  }

  /** Copies `bytes` to memory at `addr`. */
  write(addr: number, bytes: Uint8Array): void {
    // Inside another call (the allocator storing a chunk header) the write is part of that call's
    // event: skip building the event's arguments, the allocator's hottest path.
    if (this.callDepth > 0) {
      this.requireAlive("write");
      this.writeNow(addr, bytes);
      return;
    }
    this.call("write", { addr, length: bytes instanceof Uint8Array ? bytes.length : undefined }, () => this.writeNow(addr, bytes));
  }

  private writeNow(addr: number, bytes: Uint8Array): void {
    if (!(bytes instanceof Uint8Array)) throw new InvalidArgumentError(`write: bytes must be a Uint8Array, got ${describeValue(bytes)}`);
    validateAccess(this.machine, this, "write", addr, bytes.length, "write");
    const memory = this.machine.memory;
    const pageStart = Math.floor(addr / this.pageSize) * this.pageSize;
    if (bytes.length > 0 && addr + bytes.length <= pageStart + this.pageSize) {
      // One page (a header, a word): one page visit without building a visitor; each byte is an
      // access, as runAccess counts with elementSize 1
      const pfn = accessPage(this.machine, this, addr, pageStart, "write", bytes.length);
      memory.writeBytes(pfn, addr - pageStart, bytes, 0, bytes.length);
      return;
    }
    runAccess(this.machine, this, addr, bytes.length, "write", (pfn, offset, len, runOffset) => memory.writeBytes(pfn, offset, bytes, runOffset, len), 1);
  }

  /** Copies `length` bytes from `src` to `dst` (overlap allowed, like memmove): reads then writes pages. */
  memcpy(dst: number, src: number, length: number): void {
    this.call("memcpy", { dst, src, length }, () => {
      validateAccess(this.machine, this, "memcpy", src, length, "read");
      validateAccess(this.machine, this, "memcpy", dst, length, "write");
      const memory = this.machine.memory;
      const segment = Math.min(length, MEMCPY_SEGMENT_BYTES);
      const buffer = new Uint8Array(segment);
      const count = Math.ceil(length / segment);
      // Copy segments back to front when dst lies above an overlapping src (memmove).
      const backwards = dst > src && dst < src + length;
      for (let i = 0; i < count; i++) {
        const offset = (backwards ? count - 1 - i : i) * segment;
        const len = Math.min(segment, length - offset);
        runAccess(this.machine, this, src + offset, len, "read", (pfn, frameOffset, n, runOffset) => memory.readBytes(pfn, frameOffset, buffer, runOffset, n), 1);
        runAccess(this.machine, this, dst + offset, len, "write", (pfn, frameOffset, n, runOffset) => memory.writeBytes(pfn, frameOffset, buffer, runOffset, n), 1);
      }
    });
  }

  /**
   * Accesses [addr, addr + length) page by page: one MMU translation per page visit (repeats =
   * elements of `options.elementSize` overlapping the page), faulting as needed, then
   * `visit(pfn, frameOffset, length, runOffset)` to work on the frame via machine.memory.
   */
  accessPages(addr: number, length: number, kind: AccessKind, visit?: PageVisitor, options: AccessOptions = {}): void {
    checkOptions("accessPages", options, ["elementSize", "label"]);
    if (options.label !== undefined && (typeof options.label !== "string" || options.label === "")) {
      throw new InvalidArgumentError(`accessPages: options.label must be a non-empty string, got ${describeValue(options.label)}`);
    }
    const label = options.label ?? "access";
    this.call(label, { addr, length, kind }, () => {
      const how = validateAccess(this.machine, this, label, addr, length, kind);
      if (visit !== undefined && typeof visit !== "function") throw new InvalidArgumentError(`${label}: visit must be a function, got ${describeValue(visit)}`);
      const elementSize = options.elementSize === undefined ? 0 : requireInteger(label, "options.elementSize", options.elementSize, 1, 2 ** 30);
      runAccess(this.machine, this, addr, length, how, visit, elementSize);
    });
  }

  /**
   * Runs `fn` and returns what it cost in translation: TLB hits and misses per level, walks, faults
   * by kind and cycles by cause (the machine must model TLBs, as every MMU platform does by default).
   */
  measure(fn: () => void, label = "phase"): Phase {
    return measure(this, fn, label);
  }

  /** Returns /proc/PID/status figures in kB (Windows preset: PrivateUsage and WorkingSetSize in bytes). */
  status(): ProcessStatus {
    this.requireAlive("status");
    return statusOf(this.machine, this);
  }

  /** Returns /proc/PID/smaps figures in kB, one entry per VMA. */
  smaps(): SmapsEntry[] {
    this.requireAlive("smaps");
    return smapsOf(this.machine, this);
  }

  /** Returns the mappings in address order. */
  vmas(): VmaInfo[] {
    this.requireAlive("vmas");
    return this.mm.vmas.all().map((vma) => {
      const info: VmaInfo = { start: vma.start, end: vma.end, prot: vma.prot, flags: vmFlagsOf(vma).split(" ") };
      if (vma.name !== undefined) info.name = vma.name;
      return info;
    });
  }

  /** Returns the page tables' occupancy per level (top first): table pages and entries in use. */
  pageTableLevels(): {
    /** The level's Linux name: "PGD", "P4D", "PUD", "PMD" or "PTE". */
    name: string;
    /** Table pages at this level. */
    tables: number;
    /** Entries in use over all of the level's tables. */
    entriesUsed: number;
    /** Entries one table holds (page size / 8). */
    entriesPerTable: number;
    /** Bytes of the level's tables. */
    tableBytes: number;
  }[] {
    this.requireAlive("pageTableLevels");
    return this.mm.pageTable.occupancy();
  }

  /** Returns one PageState per base page of [addr, addr + length). */
  pageStates(addr: number, length: number): Uint8Array {
    this.requireAlive("pageStates");
    return pageStatesOf(this.machine, this, addr, length);
  }

  /** Returns per-cell page counts of every PageState over [addr, addr + length). */
  residencySummary(addr: number, length: number, cells: number): ResidencySummary {
    this.requireAlive("residencySummary");
    return residencySummaryOf(this.machine, this, addr, length, cells);
  }

  /** Returns the pfn of the frame backing `addr` (the zero page's pfn for zero-page mappings), or null. */
  frameOf(addr: number): number | null {
    const vaddr = requireInteger("frameOf", "addr", addr, 0, userSpaceEnd(this.machine) - 1);
    this.requireAlive("frameOf");
    const node = this.mm.pageTable.leafTable(vaddr, false);
    if (!node) return null;
    if (node.huge !== 0) return entryPfn(node.huge) + Math.floor((vaddr % this.machine.hugePageBytes) / this.pageSize);
    const entry = this.mm.pageTable.entryOf(node, this.mm.pageTable.leafIndex(vaddr));
    return entry === 0 || isSwapEntry(entry) ? null : entryPfn(entry);
  }

  /** Throws ProcessKilledError (OOM killer) or ProcessExitedError (exit()) when the process is gone. @internal */
  requireAlive(call: string): void {
    if (this.deathReason === null) return;
    if (this.deathReason.startsWith("killed")) throw new ProcessKilledError(`${call}: pid ${this.pid} was ${this.deathReason}`);
    throw new ProcessExitedError(`${call}: pid ${this.pid} has exited; its memory is gone (read figures before exit())`);
  }

  /** Marks the process killed `how` ("by the OOM killer ..."; the machine then releases its memory). @internal */
  markKilled(how: string): void {
    this.deathReason = `killed ${how}`;
  }

  /** The Jupyter display: the process's RSS timeline, drawn by the display layer's registered renderer. */
  [JUPYTER_DISPLAY](): MimeBundle {
    return displayBundle(this);
  }

  /** The same bundle for IJavascript's display hook. */
  _toMime(): MimeBundle {
    return displayBundle(this);
  }

  /** Short text for util.inspect (Node and the notebook's plain-text view). */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    if (!this.alive) return `Process(pid ${this.pid}, ${this.deathReason})`;
    const s = this.status();
    return `Process(pid ${this.pid}${this.alive ? "" : `, ${this.deathReason}`}, VmSize ${s.VmSize} kB, VmRSS ${s.VmRSS} kB, ${this.mm.vmas.all().length} mappings)`;
  }

  /**
   * Runs `body` as one logged call named `name` (e.g. "np.add"): the kernel calls made inside it
   * (accessPages, mmap, ...) are folded into that one event. Returns what body returns. For the
   * runtimes (numpy, Node), not for notebooks. @internal
   */
  asOneCall<T>(name: string, args: Record<string, unknown>, body: () => T): T {
    return this.call(name, args, body);
  }

  /** Runs a call: refuses it on a dead process, and logs it with the faults it caused. */
  private call<T>(name: string, args: Record<string, unknown>, body: () => T): T {
    this.requireAlive(name);
    // A call made inside another (numpy's loop touching pages) is part of the outer call's event:
    // one event per page would cost more than the simulation itself.
    if (this.callDepth > 0) return body();
    const before = this.counters;
    let result: T;
    this.callDepth++;
    try {
      result = body();
    } catch (error) {
      if (!refusedUpFront(error)) this.log(name, args, before, undefined, error instanceof Error ? error.message : String(error));
      this.machine.reclaim.runKswapd();
      throw error;
    } finally {
      this.callDepth--;
    }
    // The event keeps a simple result: an address, a break, or a forked child's pid.
    this.log(name, args, before, typeof result === "number" ? result : result instanceof Process ? result.pid : undefined);
    // kswapd, woken by this call's allocations, runs once it returns (reclaim.ts)
    this.machine.reclaim.runKswapd();
    return result;
  }

  private log(call: string, args: Record<string, unknown>, before: KernelCounters, result?: number, error?: string): void {
    const delta = diffCounters(this.counterSet, before);
    const status = statusOf(this.machine, this); // also after exit(): its event records the release
    const event: Omit<KernelEvent, "time"> = {
      pid: this.pid,
      call,
      args,
      faults: summarizeFaults(delta),
      bytesZeroed: delta.kernelBytesZeroed,
      bytesCopied: delta.kernelBytesCopied,
      counters: this.counters,
      VmRSS: status.VmRSS,
      VmSize: status.VmSize,
    };
    if (result !== undefined) event.result = result;
    if (error !== undefined) event.error = error;
    this.machine.record(event);
  }
}
