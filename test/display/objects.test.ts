import { describe, expect, it } from "vitest";
import { inspect } from "node:util";
import { Machine } from "../../src/kernel";
import { numpy } from "../../src/runtime";
import { toMimeBundle, PNG_MIME, TEXT_MIME, VEGA_LITE_MIME } from "../../src/display";

describe("simulator objects display themselves", () => {
  it("an array is its residency heatmap: a resident last page and a resident header page", () => {
    const machine = new Machine({ seed: 5 });
    const proc = machine.spawn();
    const np = numpy(proc);
    const f = np.zeros(2 ** 20);
    f[-1] = 3;
    const bundle = toMimeBundle(f);
    expect(Object.keys(bundle).sort()).toEqual([VEGA_LITE_MIME, PNG_MIME, TEXT_MIME].sort());
    expect(bundle[TEXT_MIME]).toContain("float64");
    const json = JSON.stringify(bundle[VEGA_LITE_MIME]);
    expect(json).toContain("allocator header");
    expect(JSON.stringify(bundle).length).toBeLessThan(300_000);
    expect(inspect(f)).toContain("shape=(1048576,)");
    f.free();
    expect(Object.keys(toMimeBundle(f))).toEqual([TEXT_MIME]);
  });

  it("a process is its status and RSS timeline; a machine its meminfo", () => {
    const machine = new Machine({ seed: 5 });
    const proc = machine.spawn();
    const a = proc.mmap(2 ** 21);
    proc.memset(a, 1, 4096);
    const bundle = toMimeBundle(proc);
    expect(bundle[VEGA_LITE_MIME]).toBeDefined();
    expect(inspect(proc)).toMatch(/VmRSS \d+ kB/);
    expect(inspect(machine)).toContain("MemTotal 16777216 kB");
  });
});
