// Whether this process can probe its own memory, and why not.
import * as path from "path";
import { readMaps } from "./maps";
import { ProbeOptions, errorCode, resolveOptions, whyUnsupported } from "./options";
import { pfnVisibility, readPagemap } from "./pagemap";
import { basePageSize } from "./pageSize";
import { closeQuietly, openReadOnly } from "./procfs";

/** Whether the probe can run here, and why (not), as {@link supported} returns it. */
export interface Support {
  /** True when the probe can run. */
  ok: boolean;
  /** Why the probe cannot run, or, when it can, what it can see (PFNs or not). */
  reason: string;
}

const VMAS_SAMPLED = 16;

/**
 * Checks that the probe can run here: Linux, /proc mounted and visible, pagemap readable.
 * Returns { ok, reason }; never throws for the host.
 */
export function supported(options?: ProbeOptions): Support {
  const opts = resolveOptions("supported", options);
  const why = whyUnsupported(opts);
  if (why !== null) return { ok: false, reason: why };
  const vmas = readMaps(opts);
  const pageSize = basePageSize(opts);
  if (vmas === null || vmas.length === 0) return { ok: false, reason: "/proc/self/maps lists no mappings" };
  if (pageSize === null) return { ok: false, reason: "the page size could not be read" };
  const file = path.join(opts.procRoot, "self", "pagemap");
  const opened = openReadOnly(file);
  if ("error" in opened) return { ok: false, reason: `${file} cannot be opened (${errorCode(opened.error)})` };
  try {
    let visible: boolean | null = null;
    // The first page of a few mappings: enough to meet a present page and see whether its PFN shows.
    for (const vma of vmas.slice(0, VMAS_SAMPLED)) {
      const pages = readPagemap(opened.fd, Math.floor(vma.start / pageSize), 1);
      visible = pfnVisibility(pages);
      if (visible !== null) break;
    }
    if (visible === null) return { ok: false, reason: `${file} shows no present page: it is unreadable or empty here` };
    return {
      ok: true,
      reason: visible
        ? "Linux with a readable pagemap; PFNs are visible (CAP_SYS_ADMIN), so zero pages are recognised by their PFN"
        : "Linux with a readable pagemap; PFNs read as 0 (no CAP_SYS_ADMIN), so zero pages are inferred from the exclusive bit",
    };
  } catch (error) {
    return { ok: false, reason: `${file} cannot be read (${errorCode(error)})` };
  } finally {
    closeQuietly(opened.fd);
  }
}
