// Page-table entry encoding: one float64 per entry holding pfn * 16 + flags, so a pfn needs no
// bit operations (pfns can exceed 32 bits) and an empty slot is 0.

export const PTE_PRESENT = 1;
export const PTE_WRITE = 2;
/** Maps the shared zero page or the huge zero page (special: never counted in RSS). */
export const PTE_ZERO = 4;
/** PROT_NONE: the kernel keeps the page but the hardware sees no translation. */
export const PTE_PROTNONE = 8;

const FLAG_SPAN = 16;
/** 1 / FLAG_SPAN: a power of two, so multiplying is exact (double `/` and `%` are slow in V8). */
const INVERSE_FLAG_SPAN = 1 / FLAG_SPAN;

/** Builds an entry mapping `pfn` with `flags`. */
export function makeEntry(pfn: number, flags: number): number {
  return pfn * FLAG_SPAN + flags;
}

/** Returns the pfn an entry maps. */
export function entryPfn(entry: number): number {
  return Math.floor(entry * INVERSE_FLAG_SPAN);
}

/** Returns an entry's flag bits (a small integer, safe for bit operations). */
export function entryFlags(entry: number): number {
  return entry - Math.floor(entry * INVERSE_FLAG_SPAN) * FLAG_SPAN;
}

/** Returns the entry with `flags` replacing its old flags. */
export function withFlags(entry: number, flags: number): number {
  return makeEntry(entryPfn(entry), flags);
}

/** Returns true when the entry maps the shared zero page (or the huge zero page). */
export function isZeroEntry(entry: number): boolean {
  return (entryFlags(entry) & PTE_ZERO) !== 0;
}

// A swap entry (Linux swp_entry_t in a non-present PTE): the present bit clear and the swap slot
// where the pfn would be, stored as slot + 1 so that slot 0 is not the empty entry (REFERENCE §9.2).

/** Builds the non-present entry of a page stored in swap slot `slot`. */
export function makeSwapEntry(slot: number): number {
  return makeEntry(slot + 1, 0);
}

/** Returns true when `entry` is a swap entry (non-empty, present bit clear). */
export function isSwapEntry(entry: number): boolean {
  return entry !== 0 && (entryFlags(entry) & PTE_PRESENT) === 0;
}

/** Returns the swap slot of a swap entry. */
export function swapSlotOf(entry: number): number {
  return entryPfn(entry) - 1;
}
