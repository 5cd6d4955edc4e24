// strace's lines for `strace -f -ttt -e trace=%memory`: "<pid> <epoch.us> call(args) = result".
// Only calls that change the address space are kept, and only when they succeeded. The runner's
// sync markers are madvise(seq * pagesize, 0, MADV_NORMAL): a no-op whose address carries seq.
import type { SyscallRecord } from "./format";

/** One parsed line: the pid, the time (ms since the epoch), and a system call or a sync marker. */
export type StraceLine =
  | { pid: number; ms: number; syscall: SyscallRecord }
  | { pid: number; ms: number; marker: number };

const LINE = /^(\d+)\s+(\d+\.\d+)\s+(\w+)\((.*)\)\s+=\s+(-?\w+)/;

function num(text: string | undefined): number {
  if (text === undefined) return NaN;
  const t = text.trim();
  if (t === "NULL") return 0;
  return t.startsWith("0x") ? parseInt(t.slice(2), 16) : Number(t);
}

function prot(text: string): string {
  const t = text.trim();
  if (t === "PROT_NONE") return "none";
  return (t.includes("PROT_READ") ? "r" : "") + (t.includes("PROT_WRITE") ? "w" : "") + (t.includes("PROT_EXEC") ? "x" : "") || "none";
}

/** The system call or marker of a strace line; null for anything else (failed calls, other calls, notices). */
export function parseStraceLine(text: string, pageSize: number): StraceLine | null {
  const m = LINE.exec(text);
  if (m === null) return null;
  const pid = Number(m[1]);
  const ms = Number(m[2]) * 1000;
  const call = m[3];
  const args = m[4].split(", ");
  const result = m[5];
  if (result.startsWith("-")) return null;
  const ret = num(result);
  switch (call) {
    case "mmap":
      return { pid, ms, syscall: { kind: "syscall", call: "mmap", address: ret, length: num(args[1]), prot: prot(args[2]), anonymous: args[3].includes("MAP_ANONYMOUS") } };
    case "munmap":
      return { pid, ms, syscall: { kind: "syscall", call: "munmap", address: num(args[0]), length: num(args[1]) } };
    case "brk":
      return { pid, ms, syscall: { kind: "syscall", call: "brk", from: num(args[0]), to: ret } };
    case "mremap":
      return { pid, ms, syscall: { kind: "syscall", call: "mremap", address: num(args[0]), length: num(args[1]), newAddress: ret, newLength: num(args[2]) } };
    case "mprotect":
      return { pid, ms, syscall: { kind: "syscall", call: "mprotect", address: num(args[0]), length: num(args[1]), prot: prot(args[2]) } };
    case "madvise": {
      const address = num(args[0]);
      const length = num(args[1]);
      if (length === 0 && args[2]?.trim() === "MADV_NORMAL") return { pid, ms, marker: address / pageSize };
      return { pid, ms, syscall: { kind: "syscall", call: "madvise", address, length, advice: (args[2] ?? "").trim().replace(/^MADV_/, "").toLowerCase() } };
    }
    default:
      return null;
  }
}
