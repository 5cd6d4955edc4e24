// Allocates a real typed array and finds the mapping that backs it, by comparing
// /proc/self/maps before and after the allocation.
import { InvalidArgumentError, OutOfMemoryError, describeValue } from "../errors";
import { calibrate } from "./calibrate";
import { CHUNK_HDR_SZ, DEFAULT_MMAP_THRESHOLD_MAX } from "../libc/constants";
import { type Identification, identifyAllocation } from "./identify";
import { MappingRange, readMaps, regionsNewIn } from "./maps";
import { ProbeOptions, ResolvedOptions, resolveOptions, whyUnsupported } from "./options";
import { basePageSize } from "./pageSize";

/** Allocations tried before giving up on finding the mapping of an always-mmapped array. */
const MAX_ATTEMPTS = 3;

/** The typed-array constructors {@link alloc} accepts. */
export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

const TYPED_ARRAY_CONSTRUCTORS: readonly TypedArrayConstructor[] = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
];

/** What the probe target of residency(), frames() and residencySummary() must provide. */
export interface ProbeTarget {
  /** The address range to examine (page-aligned), or null when none was identified. */
  mapping: MappingRange | null;
}

/** A real typed array and what the probe learned about where it lives. */
export interface ProbedArray<A> extends ProbeTarget {
  /** True when the backing mapping was identified. */
  ok: boolean;
  /** The real typed array. */
  array: A;
  /**
   * The address of array[0]: mapping.start + 16 (glibc's chunk header, REFERENCE §1.2) when the
   * mapping is a fresh mmapped chunk. An inference: JavaScript exposes no buffer addresses.
   */
  dataStart: number | null;
  /** True when the calibration experiment confirmed the 16-byte offset on this runtime. */
  dataStartVerified: boolean;
  /** How the mapping was found, or why it was not. */
  note: string;
}

function checkConstructor(ctor: unknown): TypedArrayConstructor {
  if (!TYPED_ARRAY_CONSTRUCTORS.includes(ctor as TypedArrayConstructor)) {
    const name = typeof ctor === "function" ? ctor.name : describeValue(ctor);
    throw new InvalidArgumentError(`alloc: ctor must be a typed-array constructor such as Float64Array, got ${name}`);
  }
  return ctor as TypedArrayConstructor;
}

function unidentified<A>(array: A, note: string): ProbedArray<A> {
  return { ok: false, array, mapping: null, dataStart: null, dataStartVerified: false, note };
}

function construct<C extends TypedArrayConstructor>(ctor: C, length: number): InstanceType<C> {
  try {
    return new (ctor as Float64ArrayConstructor)(length) as InstanceType<C>;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new OutOfMemoryError(`${ctor.name}(${describeValue(length)}) could not be allocated: ${why}`);
  }
}

/** Allocates the array between two reads of /proc/self/maps and identifies its mapping (found is
 *  null when the maps could not be read). `previous` is only kept alive until the new array exists. */
function allocateBetweenSnapshots<C extends TypedArrayConstructor>(
  ctor: C, length: number, bytes: number, pageSize: number, opts: ResolvedOptions, previous?: unknown,
): { array: InstanceType<C>; found: Identification | null; previous?: unknown } {
  const before = readMaps(opts);
  const array = construct(ctor, length);
  const after = readMaps(opts);
  const found = before === null || after === null ? null : identifyAllocation(regionsNewIn(before, after), bytes, pageSize);
  return { array, found, previous };
}

/**
 * Allocates `new ctor(length)` and identifies the mapping that backs it (snapshots of
 * /proc/self/maps around the allocation). An array of 32 MiB or more, which glibc always mmaps,
 * is allocated again (up to three times in all) when another thread's mappings hid its own.
 * Returns the array with the mapping, or with mapping null and a note saying why it could not
 * be identified; never throws for the host.
 */
export function alloc<C extends TypedArrayConstructor>(
  ctor: C,
  length: number,
  options?: ProbeOptions,
): ProbedArray<InstanceType<C>> {
  const checkedCtor = checkConstructor(ctor);
  if (typeof length !== "number" || !Number.isSafeInteger(length) || length < 0) {
    throw new InvalidArgumentError(`alloc: length must be a non-negative safe integer, got ${describeValue(length)}`);
  }
  const opts = resolveOptions("alloc", options);
  const bytes = length * checkedCtor.BYTES_PER_ELEMENT;
  const why = whyUnsupported(opts);
  if (why !== null) return unidentified(construct(ctor, length), `unsupported: ${why}`);
  const pageSize = basePageSize(opts);
  if (pageSize === null) return unidentified(construct(ctor, length), "unsupported: the page size could not be read");
  if (bytes === 0) return unidentified(construct(ctor, length), "an empty array has no memory to find");
  const calibration = calibrate(opts); // before the snapshots, so its own mapping is not new
  let attempt = allocateBetweenSnapshots(ctor, length, bytes, pageSize, opts);
  // glibc always mmaps a request this large (REFERENCE §1.1), so a fresh mapping did appear:
  // when none was seen, another thread changed the maps meanwhile (a garbage collection
  // unmapped a dead array of this size and the kernel placed the new one at its address, or
  // a mapping of the same size appeared at once). Another allocation tells them apart; the
  // previous one stays referenced until then, so its address cannot be handed out again.
  for (let tries = 1; tries < MAX_ATTEMPTS && attempt.found?.mapping === null && bytes >= DEFAULT_MMAP_THRESHOLD_MAX; tries++) {
    try {
      attempt = allocateBetweenSnapshots(ctor, length, bytes, pageSize, opts, attempt.array);
    } catch (error) {
      // Two arrays at once may not fit (strict overcommit): keep the first, unidentified.
      if (error instanceof OutOfMemoryError) break;
      throw error;
    }
  }
  const { array, found } = attempt;
  if (found === null) return unidentified(array, "/proc/self/maps became unreadable");
  if (found.mapping === null) return unidentified(array, found.note);
  if (!found.exactChunk) {
    return { ok: true, array, mapping: found.mapping, dataStart: null, dataStartVerified: false, note: found.note };
  }
  const verified = calibration.chunkHeaderBytes !== null;
  // glibc: an mmapped chunk's header sits at the mapping start, user memory at start + 16 (REFERENCE §1.2)
  const dataStart = found.mapping.start + CHUNK_HDR_SZ;
  const inference = verified
    ? "; data inferred at start + 16 (glibc's chunk header), verified by writes to a calibration array"
    : `; data inferred at start + 16 (glibc's chunk header), not verified here (${calibration.note})`;
  return { ok: true, array, mapping: found.mapping, dataStart, dataStartVerified: verified, note: found.note + inference };
}
