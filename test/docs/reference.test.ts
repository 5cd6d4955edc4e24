// The project's docs live in the repository: every citation of the reference in the code, tests,
// benchmarks, notebooks and docs names a section or item that docs/reference.md has, and neither
// docs/reference.md nor docs/design.md links to anything outside the repository.
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const root = path.resolve(__dirname, "../..");
const docs = path.join(root, "docs");
const REFERENCE_DOC = path.join(docs, "reference.md");
const DESIGN_DOC = path.join(docs, "design.md");

/** Folders whose text files may cite the reference (scanned recursively). */
const SCANNED_DIRS = ["src", "test", "bench", "docs"];
/** Single files that may cite it too. */
const SCANNED_FILES = ["README.md"];
const SKIPPED_DIRS = new Set(["node_modules", "dist", "dist-bench", ".git"]);
const TEXT_FILE = /\.(ts|tsx|js|cjs|mjs|md|py|txt)$/;

interface Citation {
  file: string;
  line: number;
  text: string;
  /** "3" for a whole section, "3.4" for an item. */
  targets: string[];
}

/**
 * The citations in `text`: "REFERENCE" then "§N" or "§N.M", optionally followed by more of them
 * (", §3.3", " / §6.3", " and §2.1") or a range ("§3.1-3.3", whose every item is a target).
 */
export function citationsIn(text: string, file = "<text>"): Citation[] {
  const pattern = /REFERENCE\s+§(\d+(?:\.\d+)?)((?:\s*(?:,|\/|and)\s*§\d+(?:\.\d+)?|[-–]\d+(?:\.\d+)?)*)/g;
  const out: Citation[] = [];
  for (const m of text.matchAll(pattern)) {
    const targets = [m[1]];
    let previous = m[1];
    for (const part of m[2].matchAll(/([-–])?§?(\d+(?:\.\d+)?)/g)) {
      const target = part[2];
      if (part[1] !== undefined) {
        // A range: every item from the previous one up to this one, within one section.
        const [fromSection, fromItem] = previous.split(".").map(Number);
        const [toSection, toItem] = target.split(".").map(Number);
        if (fromSection === toSection && fromItem !== undefined && toItem !== undefined) {
          for (let i = fromItem + 1; i < toItem; i++) targets.push(`${fromSection}.${i}`);
        }
      }
      targets.push(target);
      previous = target;
    }
    const line = text.slice(0, m.index).split("\n").length;
    out.push({ file, line, text: m[0].replace(/\s+/g, " "), targets });
  }
  return out;
}

/** The sections ("3") and items ("3.4") a reference document defines: headings or bold labels "§N" / "§N.M". */
export function labelsIn(reference: string): Set<string> {
  const labels = new Set<string>();
  for (const m of reference.matchAll(/^#{1,6}\s+§(\d+(?:\.\d+)?)\b|\*\*§(\d+(?:\.\d+)?)\b/gm)) labels.add(m[1] ?? m[2]);
  return labels;
}

/** The citations whose targets `labels` lacks. */
export function unresolved(citations: readonly Citation[], labels: ReadonlySet<string>): string[] {
  return citations.flatMap((c) => c.targets.filter((t) => !labels.has(t)).map((t) => `${c.file}:${c.line}: §${t} (in "${c.text}")`));
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) walk(full, out);
    } else if (TEXT_FILE.test(name)) out.push(full);
  }
  return out;
}

/** A notebook's text: every cell's source and its text outputs. */
function notebookText(file: string): string {
  const joined = (v: unknown) => (Array.isArray(v) ? v.join("") : typeof v === "string" ? v : "");
  const nb = JSON.parse(readFileSync(file, "utf8")) as {
    cells: { source: string | string[]; outputs?: { text?: string | string[]; data?: Record<string, unknown> }[] }[];
  };
  return nb.cells
    .map((c) => [joined(c.source), ...(c.outputs ?? []).map((o) => joined(o.text) + joined(o.data?.["text/plain"]))].join("\n"))
    .join("\n");
}

function allCitations(): Citation[] {
  const files = [...SCANNED_DIRS.flatMap((d) => walk(path.join(root, d))), ...SCANNED_FILES.map((f) => path.join(root, f))];
  const out = files.flatMap((f) => citationsIn(readFileSync(f, "utf8"), path.relative(root, f)));
  const notebooks = path.join(root, "notebooks");
  for (const name of readdirSync(notebooks).filter((n) => n.endsWith(".ipynb"))) {
    out.push(...citationsIn(notebookText(path.join(notebooks, name)), `notebooks/${name}`));
  }
  return out;
}

/** Link targets of a markdown text: inline links and images, autolinks, reference definitions. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const m of markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]);
  for (const m of markdown.matchAll(/<((?:[a-z]+:|\/|\.\.?\/)[^>\s]*)>/gi)) targets.push(m[1]);
  for (const m of markdown.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)) targets.push(m[1]);
  return targets;
}

/** Why `target` (a link in `doc`) leaves the repository, or null when it stays inside. */
function outsideReason(doc: string, target: string): string | null {
  if (/^(https?|mailto):/i.test(target)) return null; // a public source, not a path
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return `${target}: a ${target.split(":")[0]}: link is not a path in the repository`;
  if (target.startsWith("#")) return null;
  const file = decodeURIComponent(target.split("#")[0]);
  if (path.isAbsolute(file)) return `${target}: an absolute path`;
  const resolved = path.resolve(path.dirname(doc), file);
  const rel = path.relative(root, resolved);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return `${target}: resolves outside the repository (${resolved})`;
  if (!existsSync(resolved)) return `${target}: no such file in the repository (${rel})`;
  return null;
}

describe("docs/reference.md", () => {
  const reference = readFileSync(REFERENCE_DOC, "utf8");
  const labels = labelsIn(reference);

  it("numbers the sections 1..7 and the items the code cites", () => {
    for (const section of ["1", "2", "3", "4", "5", "6", "7"]) expect(labels).toContain(section);
    const items = ["1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6"];
    items.push("3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "4.1", "4.2", "6.1", "6.2", "6.3");
    for (const item of items) expect(labels).toContain(item);
  });

  it("resolves every citation in src/, test/, bench/, docs/, README.md and the notebooks", () => {
    const citations = allCitations();
    // The scan found the citations the code is known to make (over a hundred, in every folder).
    expect(citations.length).toBeGreaterThan(100);
    for (const where of ["src/", "test/", "bench/", "notebooks/"]) expect(citations.some((c) => c.file.startsWith(where))).toBe(true);
    expect(unresolved(citations, labels)).toEqual([]);
  });

  it("the check fails for a section or item the reference does not have", () => {
    // Built from pieces, so that this file's own text cites nothing the scan would reject.
    const WORD = `REFER${"ENCE"}`;
    const cite = (s: string) => `// a rule (${WORD} ${s})`;
    expect(unresolved(citationsIn(cite("§9.9")), labels)).toEqual([`<text>:1: §9.9 (in "${WORD} §9.9")`]);
    expect(unresolved(citationsIn(cite("§3.10")), labels)).toHaveLength(1);
    expect(unresolved(citationsIn(cite("§8")), labels)).toHaveLength(1);
    expect(unresolved(citationsIn(cite("§3.1, §9.9")), labels)).toEqual([`<text>:1: §9.9 (in "${WORD} §3.1, §9.9")`]);
    expect(unresolved(citationsIn(cite("§3.8 / §6.9")), labels)).toHaveLength(1);
    expect(unresolved(citationsIn(cite("§2.5-2.8")), labels)).toEqual([
      `<text>:1: §2.7 (in "${WORD} §2.5-2.8")`,
      `<text>:1: §2.8 (in "${WORD} §2.5-2.8")`,
    ]);
    // ...and passes for ones it has, the forms the code uses included.
    expect(unresolved(citationsIn(`${cite("§3.1-3.3")}\n${cite("§1")}\n${cite("§3.4, §3.9")}`), labels)).toEqual([]);
  });
});

describe("docs stay inside the repository", () => {
  it.each(["docs/reference.md", "docs/design.md"])("%s links to no path outside it", (name) => {
    const doc = path.join(root, name);
    const text = readFileSync(doc, "utf8");
    const bad = linkTargets(text)
      .map((t) => outsideReason(doc, t))
      .filter((r): r is string => r !== null);
    expect(bad).toEqual([]);
    // Nor names the engineers' input files that live beside the repository.
    expect(text).not.toMatch(/\.\.\/shared\/|\/work\/|(?<![\w/])(REFERENCE|DESIGN)\.md/);
  });

  it("the link check catches a path outside the repository", () => {
    const outside = ["..", "..", "notes", "facts.md"].join("/"); // two levels up: beside the repository
    const reasons = linkTargets(`[a](${outside}) [b](/etc/passwd) [c](file:///tmp/x) [d](reference.md) [e](https://github.com/numpy/numpy)`)
      .map((t) => outsideReason(DESIGN_DOC, t));
    expect(reasons.map((r) => r !== null)).toEqual([true, true, true, false, false]);
  });
});
