// Colours: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), distinguishable
// with every common colour-vision deficiency, plus neutral greys for "nothing here".

export const OKABE_ITO = {
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  bluishGreen: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  reddishPurple: "#CC79A7",
  black: "#000000",
} as const;

/** Okabe-Ito order for categorical series (causes, phases, curves). */
export const CATEGORY_COLORS: readonly string[] = [
  OKABE_ITO.blue,
  OKABE_ITO.vermillion,
  OKABE_ITO.bluishGreen,
  OKABE_ITO.orange,
  OKABE_ITO.reddishPurple,
  OKABE_ITO.skyBlue,
  OKABE_ITO.yellow,
  OKABE_ITO.black,
];

export interface PageStateStyle {
  /** The kernel's PageState code (index into ResidencyCounts.counts). */
  code: number;
  name: string;
  color: string;
}

/**
 * Page states in the kernel's PageState order (Untouched=0 ... Unmapped=6). Warm colours cost
 * memory (counted in RSS), cool ones are zero-page mappings that cost none.
 */
export const PAGE_STATES: readonly PageStateStyle[] = [
  { code: 0, name: "untouched", color: "#D9D9D9" },
  { code: 1, name: "zero page", color: OKABE_ITO.skyBlue },
  { code: 2, name: "resident", color: OKABE_ITO.vermillion },
  { code: 3, name: "huge page", color: OKABE_ITO.orange },
  { code: 4, name: "huge zero page", color: OKABE_ITO.blue },
  { code: 5, name: "swapped", color: OKABE_ITO.reddishPurple },
  { code: 6, name: "unmapped", color: "#FFFFFF" },
];

/** The PageState code of unmapped addresses (outside every VMA). */
export const UNMAPPED_STATE = 6;
