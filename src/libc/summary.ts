// One line about an allocator for util.inspect (Node and the notebook's plain-text view).
import type { MallInfo } from "./allocator";

/** Formats an allocator's totals: heap in use / free, mmapped chunks, threshold; returns the line. */
export function summarizeAllocator(name: string, info: MallInfo): string {
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} kB`;
  return `${name}(heap ${kb(info.arena)}: ${kb(info.inUse)} in use, ${kb(info.free)} free; ` +
    `${info.hblks} mmapped blocks, ${kb(info.mmapped)}; mmap threshold ${info.mmapThreshold} B)`;
}
