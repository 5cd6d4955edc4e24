// Byte counts in numpy's style: "2.00 GiB" (numpy's _ArrayMemoryError uses two decimals).
const UNITS = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/** Formats a byte count with binary units and two decimals (numpy's wording). */
export function formatBytesIEC(n: number): string {
  let u = 0;
  let v = n;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} bytes` : `${v.toFixed(2)} ${UNITS[u]}`;
}
