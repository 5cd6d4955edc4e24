// An MMU wrapper for tests: after every translation it walks the page tables afresh and fails
// when the TLB answered with a translation the tables no longer hold (a missed shootdown).

import type { AccessKind, FaultHandler, Leaf, Mmu, PageTableWalker } from "../../src/hardware/translation";

export class StaleTranslationError extends Error {}

/** Wraps `inner`; translate() throws StaleTranslationError on any disagreement with a fresh walk. */
export class CheckingMmu implements Mmu {
  translations = 0;

  constructor(readonly inner: Mmu) {}

  /** The inner MMU's core: the kernel puts its page tables there, so the inner MMU walks them in
   *  WebAssembly as it would unwrapped (and every answer is checked against a JavaScript walk). */
  get core(): Mmu["core"] {
    return this.inner.core;
  }

  translate(asid: number, pageTable: PageTableWalker, vaddr: number, kind: AccessKind, repeats: number, onFault: FaultHandler): Leaf {
    const leaf = this.inner.translate(asid, pageTable, vaddr, kind, repeats, onFault);
    this.translations++;
    const fresh = pageTable.walk(vaddr).leaf;
    const where = `pid ${asid} 0x${vaddr.toString(16)} (${kind})`;
    if (fresh === null) throw new StaleTranslationError(`${where}: translated to pfn ${leaf.pfn} but nothing is mapped`);
    if (fresh.pfn !== leaf.pfn || fresh.pageShift !== leaf.pageShift || fresh.zeroPage !== leaf.zeroPage) {
      throw new StaleTranslationError(`${where}: translated to pfn ${leaf.pfn}/${leaf.pageShift}, the tables say ${fresh.pfn}/${fresh.pageShift}`);
    }
    if (leaf.writable && !fresh.writable) throw new StaleTranslationError(`${where}: a writable translation of a read-only entry`);
    if (kind === "write" && !fresh.writable) throw new StaleTranslationError(`${where}: a write went through a read-only entry`);
    return leaf;
  }

  invalidateRange(asid: number, start: number, length: number): void {
    this.inner.invalidateRange(asid, start, length);
  }

  invalidateAsid(asid: number): void {
    this.inner.invalidateAsid(asid);
  }
}
