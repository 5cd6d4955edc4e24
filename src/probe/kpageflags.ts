// /proc/kpageflags: 8 bytes of flags per physical frame (root only). The probe reads it only for
// the frames its pages map, in short contiguous spans, to tell zero pages and THPs exactly.
import { PAGE_KPF_THP, PAGE_KPF_ZERO, PagemapPages } from "./pagemap";
import { preadFully } from "./procfs";

// Documentation/admin-guide/mm/pagemap.rst: KPF_THP is bit 22, KPF_ZERO_PAGE bit 24 (the huge
// zero page sets both).
const KPF_THP_BIT = 22;
const KPF_ZERO_PAGE_BIT = 24;
const MAX_SPAN = 512; // frames per pread: one 4 KiB read

/**
 * Adds PAGE_KPF_ZERO / PAGE_KPF_THP to the flags of every page whose frame is known, reading
 * the frames' kpageflags entries from an open /proc/kpageflags. Returns the frames read.
 */
export function markFromKpageflags(fd: number, pages: PagemapPages): number {
  const pfn = pages.pfn;
  if (pfn === null) return 0;
  let known = 0;
  for (let i = 0; i < pages.count; i++) if (pfn[i] > 0) known++;
  const order = new Uint32Array(known);
  for (let i = 0, k = 0; i < pages.count; i++) if (pfn[i] > 0) order[k++] = i;
  order.sort((a, b) => pfn[a] - pfn[b]);
  const buffer = Buffer.alloc(MAX_SPAN * 8);
  let framesRead = 0;
  for (let first = 0; first < order.length; ) {
    const base = pfn[order[first]];
    let last = first;
    while (last + 1 < order.length && pfn[order[last + 1]] - base < MAX_SPAN) last++;
    const span = pfn[order[last]] - base + 1;
    const got = Math.floor(preadFully(fd, buffer.subarray(0, span * 8), base * 8) / 8);
    framesRead += got;
    for (let j = first; j <= last; j++) {
      const slot = pfn[order[j]] - base;
      if (slot >= got) continue;
      const lo = buffer.readUInt32LE(slot * 8); // flag word, not an address
      if (((lo >>> KPF_ZERO_PAGE_BIT) & 1) === 1) pages.flags[order[j]] |= PAGE_KPF_ZERO;
      if (((lo >>> KPF_THP_BIT) & 1) === 1) pages.flags[order[j]] |= PAGE_KPF_THP;
    }
    first = last + 1;
  }
  return framesRead;
}
