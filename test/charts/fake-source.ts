// A stand-in for the kernel's Process in chart tests: one page state per page of a window of
// the address space, summarised the way Process.residencySummary does.
import type { FrameSource, ResidencySource, ResidencyCounts } from "../../src/charts/types";

export const STATES = 7;
export const UNMAPPED = 6;

export class FakeSource implements ResidencySource, FrameSource {
  readonly states: Uint8Array;
  readonly frames: Float64Array;

  constructor(readonly base: number, pages: number, readonly pageSize = 4096) {
    this.states = new Uint8Array(pages);
    this.frames = new Float64Array(pages).fill(-1);
  }

  /** Sets the state of pages [first, first + count) of the window. */
  set(first: number, count: number, state: number): this {
    this.states.fill(state, first, first + count);
    return this;
  }

  residencySummary(addr: number, length: number, cells: number): ResidencyCounts {
    const first = Math.floor((addr - this.base) / this.pageSize);
    const pages = Math.ceil(length / this.pageSize);
    const cellPages = Math.ceil(pages / cells);
    const counts = Array.from({ length: STATES }, () => new Uint32Array(Math.ceil(pages / cellPages)));
    for (let p = 0; p < pages; p++) {
      const page = first + p;
      const state = page >= 0 && page < this.states.length ? this.states[page] : UNMAPPED;
      counts[state][Math.floor(p / cellPages)]++;
    }
    return { cellBytes: cellPages * this.pageSize, counts };
  }

  frameOf(addr: number): number | null {
    const page = Math.floor((addr - this.base) / this.pageSize);
    const pfn = page >= 0 && page < this.frames.length ? this.frames[page] : -1;
    return pfn < 0 ? null : pfn;
  }
}
