// Colours: the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008), distinguishable
// with every common colour-vision deficiency, plus neutral greys for "nothing here".
import { PageState } from "../kernel/page-state";

/** The eight Okabe-Ito colours by name, as hex strings: told apart with every common colour-vision deficiency. */
export const OKABE_ITO = {
  /** Orange: huge pages. */
  orange: "#E69F00",
  /** Sky blue: zero-page mappings. */
  skyBlue: "#56B4E9",
  /** Bluish green. */
  bluishGreen: "#009E73",
  /** Yellow. */
  yellow: "#F0E442",
  /** Blue: the huge zero page, and the first categorical series. */
  blue: "#0072B2",
  /** Vermillion: resident pages. */
  vermillion: "#D55E00",
  /** Reddish purple: swapped pages. */
  reddishPurple: "#CC79A7",
  /** Black. */
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

/** How charts draw one page state: its name in legends and its colour. */
export interface PageStateStyle {
  /** The kernel's PageState code (index into ResidencyCounts.counts). */
  code: PageState;
  /** The state's name in legends and tooltips. */
  name: string;
  /** Its colour, as a hex string. */
  color: string;
}

/**
 * Page states in the kernel's PageState order (Untouched=0 ... Unmapped=6). Warm colours cost
 * memory (counted in RSS), cool ones are zero-page mappings that cost none.
 */
export const PAGE_STATES: readonly PageStateStyle[] = [
  { code: PageState.Untouched, name: "untouched", color: "#D9D9D9" },
  { code: PageState.ZeroPage, name: "zero page", color: OKABE_ITO.skyBlue },
  { code: PageState.Resident, name: "resident", color: OKABE_ITO.vermillion },
  { code: PageState.Huge, name: "huge page", color: OKABE_ITO.orange },
  { code: PageState.HugeZero, name: "huge zero page", color: OKABE_ITO.blue },
  { code: PageState.Swapped, name: "swapped", color: OKABE_ITO.reddishPurple },
  { code: PageState.Unmapped, name: "unmapped", color: "#FFFFFF" },
];
