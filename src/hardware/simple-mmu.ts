// An MMU without TLBs: every translation walks the page tables. It is the default, and the
// reference the TLB-modelling MMU must agree with on which accesses fault.

import { InternalCheckError } from "../errors";
import type { AccessKind, FaultHandler, Leaf, Mmu, PageTableWalker } from "./translation";

/** Faults one access may raise before the MMU gives up (zero page -> new page -> copy is at most 3). */
const MAX_FAULTS_PER_ACCESS = 4;

/** Returns true when `leaf` permits an access of `kind`. */
export function leafPermits(leaf: Leaf | null, kind: AccessKind): leaf is Leaf {
  return leaf !== null && (kind === "read" || leaf.writable);
}

/** An MMU without TLBs: every access walks the page table and counts nothing (the kernel's no-MMU-model default). */
export class SimpleMmu implements Mmu {
  /** Walks, faults into the kernel when the leaf is missing or read-only for a write, and retries. */
  translate(
    _asid: number,
    pageTable: PageTableWalker,
    vaddr: number,
    kind: AccessKind,
    _repeats: number,
    onFault: FaultHandler,
  ): Leaf {
    for (let faults = 0; faults <= MAX_FAULTS_PER_ACCESS; faults++) {
      const { leaf } = pageTable.walk(vaddr);
      if (leafPermits(leaf, kind)) return { ...leaf }; // the walker may reuse its leaf object
      if (faults === MAX_FAULTS_PER_ACCESS) break;
      onFault(vaddr, kind);
    }
    throw new InternalCheckError(`MMU: ${kind} of 0x${vaddr.toString(16)} still faults after ${MAX_FAULTS_PER_ACCESS} fault handler calls`);
  }

  /** Nothing is cached, so there is nothing to drop. */
  invalidateRange(): void {}

  /** Nothing is cached, so there is nothing to drop. */
  invalidateAsid(): void {}
}
