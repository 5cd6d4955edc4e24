// Human units for every chart and text: binary byte units (KiB, MiB, GiB ...), grouped counts,
// hex addresses, and the same byte formatting as a Vega expression for axis labels and tooltips.
import { InvalidArgumentError, describeValue } from "../errors";

const BYTE_UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * Formats a byte count in binary units with at most two decimals: 4096 -> "4 KiB",
 * 1.5 * 2**30 -> "1.5 GiB", 1000 -> "1000 B". Returns the text (negative counts keep their sign).
 */
export function formatBytes(bytes: number): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) {
    throw new InvalidArgumentError(`formatBytes: bytes must be a finite number, got ${describeValue(bytes)}`);
  }
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // Rounding may carry to 1024 (1023.999 KiB): show it in the next unit instead.
  if (Number(value.toFixed(2)) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit === 0 ? String(Math.round(value)) : String(Number(value.toFixed(2)));
  return `${sign}${digits} ${BYTE_UNITS[unit]}`;
}

/** Formats a count with thousands separators: 524288 -> "524,288". Returns the text. */
export function formatCount(count: number): string {
  if (typeof count !== "number" || !Number.isFinite(count)) {
    throw new InvalidArgumentError(`formatCount: count must be a finite number, got ${describeValue(count)}`);
  }
  const [whole, fraction] = String(Math.abs(count)).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${count < 0 ? "-" : ""}${grouped}${fraction === undefined ? "" : `.${fraction}`}`;
}

/** Formats a virtual or physical address in hex: 0x7f0000000000. Returns the text. */
export function formatAddress(address: number): string {
  if (typeof address !== "number" || !Number.isInteger(address) || address < 0) {
    throw new InvalidArgumentError(`formatAddress: address must be a non-negative integer, got ${describeValue(address)}`);
  }
  return `0x${address.toString(16)}`;
}

/**
 * A Vega expression that formats the number `bytesExpression` evaluates to in binary byte units,
 * like formatBytes (up to four significant digits). Returns the expression text.
 */
export function formatBytesExpr(bytesExpression: string): string {
  const bytes = `(${bytesExpression})`;
  let expr = `format(${bytes}, 'd') + ' B'`;
  for (let unit = 1; unit < BYTE_UNITS.length; unit++) {
    const size = 1024 ** unit;
    expr = `${bytes} >= ${size} ? format(${bytes} / ${size}, '.4~r') + ' ${BYTE_UNITS[unit]}' : ${expr}`;
  }
  return expr;
}

/**
 * Axis ticks for a byte scale from 0 to at least `max`: about `count` steps of a power of two
 * bytes (0, 512 MiB, 1 GiB ...), so every label is a round binary size. Returns the tick values.
 */
export function binaryTicks(max: number, count = 6): number[] {
  if (typeof max !== "number" || !Number.isFinite(max) || max < 0) {
    throw new InvalidArgumentError(`binaryTicks: max must be a finite number >= 0, got ${describeValue(max)}`);
  }
  if (max === 0) return [0, 1];
  const step = 2 ** Math.ceil(Math.log2(max / count));
  const ticks: number[] = [];
  for (let value = 0; value < max + step; value += step) ticks.push(value);
  return ticks;
}

/** A position encoding of a byte count: 0 to the last of `ticks`, labelled in binary units. */
export function bytesEncoding(field: string, title: string, ticks: readonly number[]) {
  return {
    field,
    type: "quantitative" as const,
    title,
    scale: { domain: [0, ticks[ticks.length - 1]], nice: false },
    axis: { values: [...ticks], labelExpr: formatBytesExpr("datum.value") },
  };
}
