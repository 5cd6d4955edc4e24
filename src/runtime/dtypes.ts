// numpy's element types as the simulator stores them: a name, a size, and how one element is
// encoded into and decoded from little-endian bytes (x86-64 and arm64 are both little-endian).
import { InvalidArgumentError, describeValue } from "../errors";

/** The element types an array can have, by numpy's names. */
export type DTypeName = "float64" | "float32" | "int64" | "int32" | "int16" | "int8" | "uint8" | "bool";

/** +Get one with dtypeOf(name); `a.dtype.name` is its name. */
export interface DType {
  readonly name: DTypeName;
  readonly itemsize: number;
  /** The typed-array type whose elements have this layout (bool and int64 use numbers too). */
  readonly kind: "f" | "i" | "u" | "b";
  /** Reads element `index` of a little-endian DataView at byte offset index * itemsize. */
  get(view: DataView, byteOffset: number): number;
  /** Writes `value` (already converted by `cast`) at `byteOffset`. */
  set(view: DataView, byteOffset: number, value: number): void;
  /** Converts a JS number the way numpy's assignment does (truncation and wrap-around for ints). */
  cast(value: number): number;
}

const LE = true;

function wrapInt(value: number, bits: number, signed: boolean): number {
  if (!Number.isFinite(value)) return 0; // numpy gives an undefined value with a warning; we use 0
  const t = Math.trunc(value);
  const mod = 2 ** bits;
  let r = ((t % mod) + mod) % mod;
  if (signed && r >= mod / 2) r -= mod;
  return r;
}

const table: Record<DTypeName, DType> = {
  float64: {
    name: "float64", itemsize: 8, kind: "f",
    get: (v, o) => v.getFloat64(o, LE),
    set: (v, o, x) => v.setFloat64(o, x, LE),
    cast: (x) => x,
  },
  float32: {
    name: "float32", itemsize: 4, kind: "f",
    get: (v, o) => v.getFloat32(o, LE),
    set: (v, o, x) => v.setFloat32(o, x, LE),
    cast: (x) => Math.fround(x),
  },
  int64: {
    name: "int64", itemsize: 8, kind: "i",
    // Values beyond 2**53 lose precision in a JS number: the simulator is exact only below that.
    get: (v, o) => Number(v.getBigInt64(o, LE)),
    set: (v, o, x) => v.setBigInt64(o, BigInt(x), LE),
    cast: (x) => (Number.isFinite(x) ? Math.trunc(x) : 0),
  },
  int32: {
    name: "int32", itemsize: 4, kind: "i",
    get: (v, o) => v.getInt32(o, LE),
    set: (v, o, x) => v.setInt32(o, x, LE),
    cast: (x) => wrapInt(x, 32, true),
  },
  int16: {
    name: "int16", itemsize: 2, kind: "i",
    get: (v, o) => v.getInt16(o, LE),
    set: (v, o, x) => v.setInt16(o, x, LE),
    cast: (x) => wrapInt(x, 16, true),
  },
  int8: {
    name: "int8", itemsize: 1, kind: "i",
    get: (v, o) => v.getInt8(o),
    set: (v, o, x) => v.setInt8(o, x),
    cast: (x) => wrapInt(x, 8, true),
  },
  uint8: {
    name: "uint8", itemsize: 1, kind: "u",
    get: (v, o) => v.getUint8(o),
    set: (v, o, x) => v.setUint8(o, x),
    cast: (x) => wrapInt(x, 8, false),
  },
  bool: {
    name: "bool", itemsize: 1, kind: "b",
    get: (v, o) => v.getUint8(o),
    set: (v, o, x) => v.setUint8(o, x),
    cast: (x) => (x !== 0 && !Number.isNaN(x) ? 1 : 0),
  },
};

export const DTYPE_NAMES = Object.keys(table) as DTypeName[];

/** Looks up a dtype by name (numpy spellings such as "f8", "float", "int" accepted). */
export function dtypeOf(name: string | DType | undefined): DType {
  if (name === undefined) return table.float64;
  if (typeof name === "object" && name !== null && (Object.values(table) as unknown[]).includes(name)) return name;
  const aliases: Record<string, DTypeName> = {
    float: "float64", f8: "float64", double: "float64", f4: "float32", single: "float32",
    int: "int64", i8: "int64", i4: "int32", i2: "int16", i1: "int8", u1: "uint8", bool_: "bool", "?": "bool",
  };
  const key = typeof name === "string" ? (aliases[name] ?? name) : undefined;
  if (key !== undefined && Object.prototype.hasOwnProperty.call(table, key)) return table[key];
  // numpy: TypeError: data type 'foo' not understood
  const given = typeof name === "string" ? JSON.stringify(name) : describeValue(name);
  throw new InvalidArgumentError(`data type ${given} not understood (dtype must be a dtype or one of its names: ${DTYPE_NAMES.join(", ")})`);
}

/** The result dtype of a binary ufunc on two dtypes (numpy's promotion, for the types we model). */
export function promote(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a.kind === "f" || b.kind === "f") {
    // float32 with an integer wider than 16 bits promotes to float64 in numpy.
    const widest = Math.max(a.kind === "f" ? a.itemsize : 0, b.kind === "f" ? b.itemsize : 0);
    const otherInt = a.kind === "f" ? b : a;
    if (widest === 4 && otherInt.kind !== "f" && otherInt.itemsize >= 4) return table.float64;
    return widest === 8 ? table.float64 : table.float32;
  }
  if (a.kind === "b") return b;
  if (b.kind === "b") return a;
  if (a.kind === b.kind) return a.itemsize >= b.itemsize ? a : b;
  // signed with unsigned: the signed type must hold every uint8 value.
  const signed = a.kind === "i" ? a : b;
  return signed.itemsize > 1 ? signed : table.int16;
}
