// Page numbers of addresses up to 2**57 in doubles: JavaScript's bitwise operators stop at 32 bits.

/** 2**-n for every shift: multiplying by a power of two is exact and cheaper than dividing. */
const INVERSE_POW2: Float64Array = Float64Array.from({ length: 64 }, (_, n) => 2 ** -n);

/** 2**n for every shift (V8 turns `2 ** n` with a variable n into a call of pow). */
export const POW2: Float64Array = Float64Array.from({ length: 64 }, (_, n) => 2 ** n);

/** The number of the 2**shift-byte page (or prefix) holding `vaddr`. */
export function pageNumber(vaddr: number, shift: number): number {
  return Math.floor(vaddr * INVERSE_POW2[shift]);
}
