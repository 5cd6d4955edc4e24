// numpy's loops hold the frames of a block of pages while they compute: reclaim must not take
// those pages from under them. A 32 MiB array on a 16 MiB machine with swap keeps every value.

import { expect, it } from "vitest";
import { Machine } from "../../src/kernel";
import { numpy } from "../../src/runtime";
import { MiB } from "./helpers";

it("np.add over an array twice the RAM, through swap, computes every element", () => {
  const machine = new Machine({ ramBytes: 16 * MiB, swapBytes: 64 * MiB });
  const proc = machine.spawn();
  const np = numpy(proc);
  const n = (32 * MiB) / 8;
  const a = np.ones(n);
  np.add(a, 2, { out: a });
  expect(machine.vmstat().pswpout).toBeGreaterThan(0);
  expect(machine.vmstat().pswpin).toBeGreaterThan(0);
  expect(a.sum()).toBe(3 * n);
  expect(a.get(n - 1)).toBe(3);
  machine.check();
});
