// The exercise kinds, by name, in the order a problem set lists them.
import type { KindDefinition } from "../exercise";
import { brkOrMmap } from "./brk-or-mmap";
import { forkCopies } from "./fork-copies";
import { memoryAfterSteps } from "./memory-after-steps";
import { platforms } from "./platforms";
import { residentPagesKind } from "./resident-pages";
import { tlbMisses } from "./tlb-misses";

/** The name of an exercise kind. */
export type ExerciseKind = "memory-after-steps" | "resident-pages" | "tlb-misses" | "brk-or-mmap" | "fork-copies" | "platforms";

/** A definition with its problem type forgotten: an Exercise hands a problem back only to the definition that drew it. */
function erased<P>(definition: KindDefinition<P>): KindDefinition<unknown> {
  return definition as unknown as KindDefinition<unknown>;
}

/** Every kind's definition, by name. */
export const DEFINITIONS: Readonly<Record<ExerciseKind, KindDefinition<unknown>>> = {
  "memory-after-steps": erased(memoryAfterSteps),
  "resident-pages": erased(residentPagesKind),
  "tlb-misses": erased(tlbMisses),
  "brk-or-mmap": erased(brkOrMmap),
  "fork-copies": erased(forkCopies),
  "platforms": erased(platforms),
};
