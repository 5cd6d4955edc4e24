// Where glibc puts a calloc'd block that gets its own mmap: the layout the probe infers for a
// large ArrayBuffer (Node's backing store comes from calloc, REFERENCE §4.1).

/** glibc's chunk header in front of the user pointer (REFERENCE §1.1). */
export const GLIBC_CHUNK_HEADER_BYTES = 16;

/**
 * Returns the length of the mapping glibc's sysmalloc mmaps for a request of `bytes`:
 * nb = max(32, (n + 8 + 15) rounded down to 16), mapped as ALIGN_UP(nb + 8, pageSize) (REFERENCE §1.2).
 */
export function glibcMmapChunkBytes(bytes: number, pageSize: number): number {
  const nb = Math.max(32, Math.floor((bytes + 8 + 15) / 16) * 16);
  return Math.ceil((nb + 8) / pageSize) * pageSize;
}
