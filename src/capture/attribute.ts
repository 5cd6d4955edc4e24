// Which call site holds each resident page: the live allocation covering most of the page's bytes
// owns it; a page no live allocation touches is "held by malloc" inside the brk heap or a mapping
// malloc made, and "other anonymous memory" elsewhere (an interpreter's own arenas, thread
// stacks, libraries' mmaps: memory that never went through malloc).
import { IntegerMap } from "./integer-map";
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

/** A live allocation as a sample sees it: its real block and where the simulated malloc put it (-1: the simulated call failed). */
export interface ReplayedBlock extends LiveBlock {
  sim: number;
}

/**
 * The live allocations of a replay by capture id, each in a slot of parallel typed arrays that a
 * freed allocation hands on to the next one, found by id in an IntegerMap: no object per
 * allocation and no V8 Map, which over a million calls cost more than the simulated malloc
 * itself. `owner` is what the caller keeps per allocation (its call site's totals).
 */
export class LiveAllocations<Owner> {
  private readonly slotOf = new IntegerMap<number>(); // id -> slot
  private readonly freeSlots: number[] = [];
  private used = 0;
  private address: Float64Array = new Float64Array(1024);
  private size: Float64Array = new Float64Array(1024);
  private sim: Float64Array = new Float64Array(1024);
  private site: Float64Array = new Float64Array(1024);
  private order: Float64Array = new Float64Array(1024); // when each slot's allocation came (-1: the slot is free)
  private added = 0;
  private owners: Owner[] = [];

  /** Number of live allocations. */
  get count(): number {
    return this.slotOf.size;
  }

  /** Records allocation `id`, which must not be live, at real `address`, simulated at `sim` (-1: none). */
  add(id: number, address: number, size: number, sim: number, site: number, owner: Owner): void {
    let slot = this.freeSlots.pop();
    if (slot === undefined) {
      if (this.used === this.address.length) this.grow();
      slot = this.used++;
    }
    this.slotOf.set(id, slot);
    this.address[slot] = address;
    this.size[slot] = size;
    this.sim[slot] = sim;
    this.site[slot] = site;
    this.order[slot] = this.added++;
    this.owners[slot] = owner;
  }

  /**
   * Ends allocation `id`: returns its slot, whose size, sim and owner stay readable until the
   * next add(), or -1 when `id` is not live.
   */
  remove(id: number): number {
    const slot = this.slotOf.take(id);
    if (slot === undefined) return -1;
    this.order[slot] = -1;
    this.freeSlots.push(slot);
    return slot;
  }

  /** Bytes of the allocation in `slot`. */
  sizeAt(slot: number): number {
    return this.size[slot];
  }

  /** Simulated address of the allocation in `slot` (-1: none). */
  simAt(slot: number): number {
    return this.sim[slot];
  }

  /** What the caller keeps for the allocation in `slot`. */
  ownerAt(slot: number): Owner {
    return this.owners[slot];
  }

  /**
   * The live allocations sorted by real address, one per address: where a capture not written by
   * the merge holds two live allocations at one address, the later one holds it.
   */
  byAddress(): ReplayedBlock[] {
    const at = new Map<number, number>(); // address -> slot
    for (let slot = 0; slot < this.used; slot++) {
      if (this.order[slot] < 0) continue;
      const held = at.get(this.address[slot]);
      if (held === undefined || this.order[held] < this.order[slot]) at.set(this.address[slot], slot);
    }
    // a typed array sorts addresses natively: far faster than sorting the blocks with a comparator
    return Array.from(Float64Array.from(at.keys()).sort(), (address) => {
      const slot = at.get(address) as number;
      return { address, size: this.size[slot], site: this.site[slot], sim: this.sim[slot] };
    });
  }

  private grow(): void {
    const widen = (a: Float64Array): Float64Array => {
      const wider = new Float64Array(a.length * 2);
      wider.set(a);
      return wider;
    };
    this.address = widen(this.address);
    this.size = widen(this.size);
    this.sim = widen(this.sim);
    this.site = widen(this.site);
    this.order = widen(this.order);
  }
}
