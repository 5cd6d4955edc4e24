// /proc/PID/pagemap: 8 bytes per virtual page, read only for the pages asked about (a pread at
// vpn * 8, in bounded chunks), never for the whole address space.
import { preadFully } from "./procfs";

// Per-page flag bits of the probe's own flag bytes (not the kernel's bit numbers).
export const PAGE_PRESENT = 1;
export const PAGE_SWAPPED = 2;
export const PAGE_FILE = 4;
export const PAGE_EXCLUSIVE = 8;
/** Set from /proc/kpageflags: the frame is the zero page or the huge zero page. */
export const PAGE_KPF_ZERO = 16;
/** Set from /proc/kpageflags: the frame belongs to a transparent huge page. */
export const PAGE_KPF_THP = 32;

const ENTRIES_PER_READ = 65536; // 512 KiB per pread
const TWO_32 = 2 ** 32;

/** The pagemap entries of a run of virtual pages, decoded. */
export interface PagemapPages {
  firstVpn: number;
  count: number;
  /** PAGE_* bits per page. */
  flags: Uint8Array;
  /** Frame number per page (0 where not present); null when no present page showed a PFN. */
  pfn: Float64Array | null;
  /** Present pages whose PFN read as 0: the kernel hides PFNs without CAP_SYS_ADMIN (since 4.2). */
  presentWithoutPfn: number;
}

/**
 * Reads and decodes the pagemap entries of virtual pages [firstVpn, firstVpn + count) from an
 * open pagemap file. Returns them decoded; missing entries (read past the end) count as absent.
 */
export function readPagemap(fd: number, firstVpn: number, count: number): PagemapPages {
  const flags = new Uint8Array(count);
  let pfn: Float64Array | null = null;
  let presentWithoutPfn = 0;
  const buffer = Buffer.alloc(Math.min(count, ENTRIES_PER_READ) * 8);
  for (let done = 0; done < count; done += ENTRIES_PER_READ) {
    const n = Math.min(ENTRIES_PER_READ, count - done);
    const view = buffer.subarray(0, n * 8);
    const got = Math.floor(preadFully(fd, view, (firstVpn + done) * 8) / 8);
    for (let k = 0; k < got; k++) {
      const lo = view.readUInt32LE(k * 8);
      const hi = view.readUInt32LE(k * 8 + 4);
      // Bits of the 64-bit entry (REFERENCE §3.5): 63 present, 62 swapped, 61 file/shared-anon,
      // 56 exclusively mapped, 0-54 PFN. `hi` is the entry's upper word, never an address.
      const present = hi >>> 31 === 1;
      const swapped = ((hi >>> 30) & 1) === 1;
      let f = 0;
      if (present) f |= PAGE_PRESENT;
      if (swapped) f |= PAGE_SWAPPED;
      if (((hi >>> 29) & 1) === 1) f |= PAGE_FILE;
      if (((hi >>> 24) & 1) === 1) f |= PAGE_EXCLUSIVE;
      flags[done + k] = f;
      if (present && !swapped) {
        const frame = lo + (hi % 2 ** 23) * TWO_32; // bits 0-54
        if (frame === 0) presentWithoutPfn++;
        else (pfn ??= new Float64Array(count))[done + k] = frame;
      }
    }
  }
  return { firstVpn, count, flags, pfn, presentWithoutPfn };
}

/** True when the read showed real frame numbers, false when present pages had them hidden, null when no page was present. */
export function pfnVisibility(pages: PagemapPages): boolean | null {
  if (pages.pfn !== null) return true;
  return pages.presentWithoutPfn > 0 ? false : null;
}
