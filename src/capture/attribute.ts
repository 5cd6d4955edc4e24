// Which call site holds each resident page: the live allocation covering most of the page's bytes
// owns it; a page no live allocation touches is "held by malloc" inside the brk heap or a mapping
// malloc made, and "other anonymous memory" elsewhere (an interpreter's own arenas, thread
// stacks, libraries' mmaps: memory that never went through malloc).
import type { PageRun } from "./format";

/** Pseudo-site of resident pages malloc keeps with no live allocation on them (freed, not yet returned). */
export const HELD_BY_MALLOC = -1;
/** Pseudo-site of resident anonymous pages outside malloc's memory. */
export const OTHER_ANONYMOUS = -2;

/** A live allocation at its real address. */
export interface LiveBlock {
  address: number;
  size: number;
  site: number;
}

/** Resident pages with their owner: [first virtual page number, count, site]. */
export type SiteRun = [vpn: number, count: number, site: number];

/** Pages per site (including the two pseudo-sites), and the pages that go to each live block. */
export interface Attribution {
  pagesBySite: Map<number, number>;
  /** The resident pages in address order, adjacent pages of one site merged. */
  siteRuns: SiteRun[];
  /** The bytes of each resident page that belong to the block owning the page: [block, offset in the block, bytes]. */
  touched: { block: LiveBlock; offset: number; length: number }[];
}

/**
 * Attributes the resident pages `runs` (ascending) to the blocks `live` (sorted by address,
 * non-overlapping). `isMallocMemory(address)` tells malloc's own regions (the brk heap, its mmaps).
 */
export function attributePages(runs: readonly PageRun[], live: readonly LiveBlock[], pageSize: number, isMallocMemory: (address: number) => boolean): Attribution {
  const pagesBySite = new Map<number, number>();
  const touched: Attribution["touched"] = [];
  const siteRuns: SiteRun[] = [];
  const add = (site: number, pages: number, vpn: number): void => {
    pagesBySite.set(site, (pagesBySite.get(site) ?? 0) + pages);
    const last = siteRuns[siteRuns.length - 1];
    if (last !== undefined && last[2] === site && last[0] + last[1] === vpn) last[1] += pages;
    else siteRuns.push([vpn, pages, site]);
  };
  let b = 0;
  for (const [vpn, count] of runs) {
    let page = vpn;
    const endPage = vpn + count;
    while (page < endPage) {
      const start = page * pageSize;
      const end = start + pageSize;
      while (b < live.length && live[b].address + live[b].size <= start) b++;
      const block = live[b];
      if (block !== undefined && block.address <= start && block.address + block.size >= end) {
        // the block covers whole pages from here: take them in one step
        const lastPage = Math.min(endPage, Math.floor((block.address + block.size) / pageSize));
        add(block.site, lastPage - page, page);
        touched.push({ block, offset: start - block.address, length: (lastPage - page) * pageSize });
        page = lastPage;
        continue;
      }
      // a page shared by several blocks, or partly covered: the block with most bytes on it owns it
      let best: LiveBlock | null = null;
      let bestBytes = 0;
      for (let k = b; k < live.length && live[k].address < end; k++) {
        const bytes = Math.min(end, live[k].address + live[k].size) - Math.max(start, live[k].address);
        if (bytes > bestBytes) [best, bestBytes] = [live[k], bytes];
      }
      if (best === null) add(isMallocMemory(start) ? HELD_BY_MALLOC : OTHER_ANONYMOUS, 1, page);
      else {
        add(best.site, 1, page);
        touched.push({ block: best, offset: Math.max(start, best.address) - best.address, length: bestBytes });
      }
      page++;
    }
  }
  return { pagesBySite, siteRuns, touched };
}
