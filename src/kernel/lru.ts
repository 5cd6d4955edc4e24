// What reclaim knows about recency: per frame, when it was last accessed (a tick of the machine's
// page visits) and its referenced bit. The MMU sets the accessed bit of a PTE on every use;
// reclaim clears it and gives a page whose bit was set a second chance (REFERENCE §9.3).
// One signed number per frame holds both: +tick = referenced since the bit was last cleared,
// -tick = cleared (the magnitude keeps the tick). Stamps live in per-block arrays made on first use.

/**
 * Page visits that count as "in use right now": such pages are not taken while others can be
 * (REFERENCE §9.3). At most an eighth of RAM's frames, so a small machine still finds pages.
 */
export const IN_FLIGHT_VISITS = 1024;

/** Per-frame access stamps and referenced bits, with the tick they are read against. */
export class AccessClock {
  /** Page visits so far (the clock every stamp is read against). */
  tick = 0;
  /** Whether accesses are being stamped (only where reclaim can take pages: swap or lazy-free). */
  enabled = false;
  private readonly blocks: (Float64Array | undefined)[] = [];

  private readonly inFlightVisits: number;

  constructor(private readonly blockFrames: number, totalFrames: number) {
    this.inFlightVisits = Math.min(IN_FLIGHT_VISITS, Math.floor(totalFrames / 8));
  }

  /** Stamps frame `pfn` as accessed now (sets its referenced bit). */
  mark(pfn: number): void {
    const block = Math.floor(pfn / this.blockFrames);
    let stamps = this.blocks[block];
    if (stamps === undefined) {
      stamps = new Float64Array(this.blockFrames);
      this.blocks[block] = stamps;
    }
    stamps[pfn - block * this.blockFrames] = ++this.tick;
  }

  /**
   * Reads and clears frame `pfn`'s referenced bit (Linux folio_referenced + clearing the young
   * bits); returns whether it was set.
   */
  testAndClear(pfn: number): boolean {
    const block = Math.floor(pfn / this.blockFrames);
    const stamps = this.blocks[block];
    if (stamps === undefined) return false;
    const i = pfn - block * this.blockFrames;
    if (stamps[i] <= 0) return false;
    stamps[i] = -stamps[i];
    return true;
  }

  /** Returns true when frame `pfn` was accessed within the last IN_FLIGHT_VISITS page visits. */
  inFlight(pfn: number): boolean {
    const stamps = this.blocks[Math.floor(pfn / this.blockFrames)];
    const stamp = stamps === undefined ? 0 : stamps[pfn % this.blockFrames];
    return stamp !== 0 && Math.abs(stamp) > this.tick - this.inFlightVisits;
  }
}
