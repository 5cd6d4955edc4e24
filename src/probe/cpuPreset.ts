// Which of the simulator's CPU presets is nearest to the host's CPU, from /proc/cpuinfo.

import type { CpuName } from "../hardware/cpu-presets";

export interface CpuMatch {
  preset: CpuName;
  /** False when the CPU is the preset's own core, true when the preset is only the nearest. */
  guessed: boolean;
  /** The CPU's name as cpuinfo gives it, or null. */
  model: string | null;
  note: string;
}

// Linux arch/x86/include/asm/intel-family.h (family 6): Skylake-core models SKYLAKE_L 0x4E,
// SKYLAKE 0x5E, SKYLAKE_X 0x55, KABYLAKE_L 0x8E, KABYLAKE 0x9E, COMETLAKE 0xA5, COMETLAKE_L 0xA6.
const INTEL_SKYLAKE_CORE = [0x4e, 0x5e, 0x55, 0x8e, 0x9e, 0xa5, 0xa6];
// Golden Cove: ALDERLAKE 0x97, ALDERLAKE_L 0x9A, SAPPHIRERAPIDS_X 0x8F (same header).
const INTEL_GOLDEN_COVE = [0x97, 0x9a, 0x8f];
// Its derivatives (Raptor Cove): RAPTORLAKE 0xB7, RAPTORLAKE_P 0xBA, RAPTORLAKE_S 0xBF, EMERALDRAPIDS_X 0xCF.
const INTEL_GOLDEN_COVE_DERIVED = [0xb7, 0xba, 0xbf, 0xcf];
// Linux arch/x86/kernel/cpu/amd.c bsp_init_amd: family 0x17 models 0x30-0x4f, 0x60-0x7f,
// 0x90-0x91, 0xa0-0xaf are Zen 2.
const AMD_ZEN2_MODEL_RANGES: readonly (readonly [number, number])[] = [[0x30, 0x4f], [0x60, 0x7f], [0x90, 0x91], [0xa0, 0xaf]];
// Linux arch/arm64/include/asm/cputype.h: implementer 0x41 (Arm) part 0xd07 is Cortex-A57;
// implementer 0x61 is Apple, parts 0x022-0x029 the M1 family (Icestorm/Firestorm, Pro, Max).
const ARM_IMPLEMENTER = 0x41;
const CORTEX_A57_PART = 0xd07;
const APPLE_IMPLEMENTER = 0x61;
const APPLE_M1_PARTS: readonly [number, number] = [0x022, 0x029];

/** Returns the fields of the first processor block of /proc/cpuinfo text. */
function firstCpuFields(cpuinfo: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of cpuinfo.split("\n")) {
    if (line.trim() === "" && fields.size > 0) break; // one block per processor
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    if (!fields.has(key)) fields.set(key, line.slice(colon + 1).trim());
  }
  return fields;
}

function numberField(fields: Map<string, string>, key: string): number | null {
  const text = fields.get(key);
  if (text === undefined || text === "") return null;
  const value = Number(text); // cpuinfo prints decimal ("cpu family: 25") or 0x-prefixed hex ("CPU part: 0xd07")
  return Number.isInteger(value) ? value : null;
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Picks the simulator CPU preset nearest to the CPU described by /proc/cpuinfo text, by vendor,
 * family and model (x86) or implementer and part (arm64). Returns it and whether it is a guess.
 */
export function nearestCpuPreset(cpuinfo: string): CpuMatch {
  const f = firstCpuFields(cpuinfo);
  const vendor = f.get("vendor_id") ?? null;
  const family = numberField(f, "cpu family");
  const model = numberField(f, "model");
  const implementer = numberField(f, "CPU implementer");
  const part = numberField(f, "CPU part");
  const armName = implementer === null ? null : `implementer ${hex(implementer)} part ${part === null ? "?" : hex(part)}`;
  const name = f.get("model name") ?? armName;
  const match = (preset: CpuName, guessed: boolean, note: string): CpuMatch => ({ preset, guessed, model: name, note });

  if (vendor === "GenuineIntel" && family === 6 && model !== null) {
    if (INTEL_SKYLAKE_CORE.includes(model)) return match("skylake", false, `Intel family 6 model ${hex(model)} has a Skylake core`);
    if (INTEL_GOLDEN_COVE.includes(model)) return match("golden-cove", false, `Intel family 6 model ${hex(model)} has a Golden Cove core`);
    if (INTEL_GOLDEN_COVE_DERIVED.includes(model)) {
      return match("golden-cove", true, `Intel family 6 model ${hex(model)} has a Raptor Cove core, a Golden Cove derivative: guessed`);
    }
    return match("skylake", true, `Intel family 6 model ${hex(model)} is not in the preset table: Skylake stands in as the generic Intel core (guessed)`);
  }
  if (vendor === "AuthenticAMD" && family !== null && model !== null) {
    if (family === 0x17 && AMD_ZEN2_MODEL_RANGES.some(([lo, hi]) => model >= lo && model <= hi)) {
      return match("zen2", false, `AMD family 0x17 model ${hex(model)} is Zen 2`);
    }
    const generation = family === 0x17 ? "Zen or Zen+" : family === 0x19 ? "Zen 3 or Zen 4" : family === 0x1a ? "Zen 5" : "not a Zen";
    return match("zen2", true, `AMD family ${hex(family)} model ${hex(model)} is ${generation}: the Zen 2 preset is the nearest (guessed)`);
  }
  if (implementer === ARM_IMPLEMENTER && part === CORTEX_A57_PART) return match("cortex-a57", false, "Arm Cortex-A57");
  if (implementer === APPLE_IMPLEMENTER) {
    const m1 = part !== null && part >= APPLE_M1_PARTS[0] && part <= APPLE_M1_PARTS[1];
    return match("apple-m1", !m1, m1 ? "an Apple M1-family core" : `Apple core ${armName}: the M1 preset is the nearest (guessed)`);
  }
  if (implementer !== null) return match("cortex-a57", true, `Arm-architecture core ${armName}: the Cortex-A57 preset is the nearest (guessed)`);
  return match("skylake", true, `CPU ${name === undefined || name === null ? "unknown" : JSON.stringify(name)} is not recognised: Skylake is used (guessed)`);
}
