// heaptrack's raw stream (what libheaptrack_preload.so writes before heaptrack_interpret runs):
// one event per line, numbers in hex. The lines used here:
//   t <ip> <parent>        a node of the trace tree; its index is its order (from 1); the node an
//                          allocation names is the innermost frame, <ip> a return address in malloc's caller
//   + <size> <trace> <ptr> an allocation (malloc, calloc, the new block of realloc, ...)
//   - <ptr>                a free (and realloc's old block)
//   c <ms>                 a timestamp, ms since the program started
//   m <n> <path> <base> <vaddr> <memsz>...   a loaded module ("m 1 -" starts a new list)
// The format is heaptrack's (REFERENCE §12.1); unknown lines are skipped.

/** An event of the raw stream. */
export type HeaptrackEvent =
  | { type: "alloc"; size: number; ptr: number; ip: number }
  | { type: "free"; ptr: number }
  | { type: "time"; ms: number };

interface Module {
  name: string;
  start: number;
  end: number;
  base: number;
}

/** Parses the raw stream line by line, keeping the trace tree's innermost IPs and the module list. */
export class HeaptrackRawParser {
  private readonly ips: number[] = [0];
  private modules: Module[] = [];

  /** The event of one line, or null for lines that only update the parser's tables. */
  line(text: string): HeaptrackEvent | null {
    const tag = text.charCodeAt(0);
    if (text.charCodeAt(1) !== 0x20) return null;
    switch (tag) {
      case 0x2b: { // +
        const a = text.indexOf(" ", 2);
        const b = text.indexOf(" ", a + 1);
        if (a < 0 || b < 0) return null;
        const trace = parseInt(text.slice(a + 1, b), 16);
        return { type: "alloc", size: parseInt(text.slice(2, a), 16), ptr: parseInt(text.slice(b + 1), 16), ip: this.ips[trace] ?? 0 };
      }
      case 0x2d: // -
        return { type: "free", ptr: parseInt(text.slice(2), 16) };
      case 0x74: { // t
        const a = text.indexOf(" ", 2);
        this.ips.push(parseInt(text.slice(2, a < 0 ? undefined : a), 16));
        return null;
      }
      case 0x63: // c
        return { type: "time", ms: parseInt(text.slice(2), 16) };
      case 0x6d: // m
        this.module(text);
        return null;
      default:
        return null;
    }
  }

  private module(text: string): void {
    const parts = text.split(" ");
    if (parts[2] === "-") {
      this.modules = [];
      return;
    }
    const name = parts[2] === "x" ? "(program)" : (parts[2].split("/").pop() ?? parts[2]);
    const base = parseInt(parts[3], 16);
    for (let i = 4; i + 1 < parts.length; i += 2) {
      const start = base + parseInt(parts[i], 16);
      this.modules.push({ name, base, start, end: start + parseInt(parts[i + 1], 16) });
    }
  }

  /** A native call site's label: "libfoo.so.1+0x1a2b" (the module and the offset of the return address). */
  frameLabel(ip: number): string {
    const m = this.modules.find((mod) => ip >= mod.start && ip < mod.end);
    return m === undefined ? `0x${ip.toString(16)}` : `${m.name}+0x${(ip - m.base).toString(16)}`;
  }
}
