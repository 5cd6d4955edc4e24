// Every scenario, in the order the issue lists them (the notebooks last: they load both cores).
import type { Scenario } from "../result";
import { founding } from "./founding";
import { naiveSweep } from "./naive-sweep";
import { randomAccess } from "./random-access";

export const SCENARIOS: readonly Scenario[] = [founding, randomAccess, naiveSweep];

/** Returns the scenario named `id`, or undefined. */
export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
