// An exercise's text as a few kinds of blocks, written once and rendered three ways: Markdown
// (notebooks, problem sets), HTML (problem sets to print) and plain text (the console). Inline
// `code` and **bold** are the only inline marks.

/** A paragraph, a code listing, a bulleted list or a table. */
export type Block =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "code"; readonly lines: readonly string[]; readonly language: string }
  | { readonly kind: "list"; readonly items: readonly string[] }
  | { readonly kind: "table"; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] };

/** A paragraph. */
export const text = (value: string): Block => ({ kind: "text", text: value });
/** A code listing: Python as the student reads it, or another `language` (an answer's shape is "ts"). */
export const code = (lines: readonly string[], language = "python"): Block => ({ kind: "code", lines, language });
/** A bulleted list. */
export const list = (items: readonly string[]): Block => ({ kind: "list", items });
/** A table with a header row. */
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): Block => ({ kind: "table", header, rows });

/** The blocks as Markdown (GitHub flavour: fenced code, pipe tables). */
export function toMarkdown(blocks: readonly Block[]): string {
  return blocks.map((block) => {
    switch (block.kind) {
      case "text": return block.text;
      case "code": return ["```" + block.language, ...block.lines, "```"].join("\n");
      case "list": return block.items.map((item) => `- ${item}`).join("\n");
      case "table": {
        const row = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
        return [row(block.header), row(block.header.map(() => "---")), ...block.rows.map(row)].join("\n");
      }
    }
  }).join("\n\n");
}

/** Escapes text for HTML. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Inline marks to HTML: `code` and **bold**, on escaped text. */
function inlineHtml(value: string): string {
  return escapeHtml(value)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

/** The blocks as an HTML fragment. */
export function toHtml(blocks: readonly Block[]): string {
  return blocks.map((block) => {
    switch (block.kind) {
      case "text": return `<p>${inlineHtml(block.text)}</p>`;
      case "code": return `<pre><code>${escapeHtml(block.lines.join("\n"))}</code></pre>`;
      case "list": return `<ul>${block.items.map((item) => `<li>${inlineHtml(item)}</li>`).join("")}</ul>`;
      case "table": {
        const head = block.header.map((h) => `<th>${inlineHtml(h)}</th>`).join("");
        const rows = block.rows.map((r) => `<tr>${r.map((c) => `<td>${inlineHtml(c)}</td>`).join("")}</tr>`).join("");
        return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
      }
    }
  }).join("\n");
}

/** The blocks as plain text (marks dropped, tables aligned). */
export function toText(blocks: readonly Block[]): string {
  const plain = (value: string) => value.replace(/\*\*([^*]+)\*\*/g, "$1");
  return blocks.map((block) => {
    switch (block.kind) {
      case "text": return plain(block.text);
      case "code": return block.lines.map((line) => `    ${line}`).join("\n");
      case "list": return block.items.map((item) => `  - ${plain(item)}`).join("\n");
      case "table": {
        const rows = [block.header, ...block.rows].map((r) => r.map(plain));
        const widths = block.header.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
        return rows.map((r) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd()).join("\n");
      }
    }
  }).join("\n\n");
}
