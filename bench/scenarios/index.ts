// Every scenario, in the order the issue lists them (the notebooks last: they load both cores).
import type { Scenario } from "../result";
import { chart } from "./chart";
import { founding } from "./founding";
import { naiveSweep } from "./naive-sweep";
import { notebooks } from "./notebooks";
import { randomAccess } from "./random-access";
import { replayScale } from "./replay";
import { swapPressure } from "./swap-pressure";
import { virtualScale } from "./virtual-scale";

/** Every scenario, in the order the table lists them. */
export const SCENARIOS: readonly Scenario[] = [founding, randomAccess, naiveSweep, virtualScale, chart, swapPressure, replayScale, notebooks];

/** Returns the scenario named `id`, or undefined. */
export function scenarioById(id: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}
