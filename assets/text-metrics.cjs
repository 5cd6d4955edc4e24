// @ts-check
// Text widths from the embedded TrueType fonts, for vega's layout in Node. Without a canvas vega
// guesses 0.8 em per character, about 1.4 times too wide for DejaVu Sans, which pads every PNG
// with blank space and hides axis labels that would have fitted. vega lets a host replace
// textMetrics.width (its own comment names vl-convert doing so); this reads each glyph's advance
// from the font's cmap (format 4) and hmtx tables, as the OpenType spec lays them out.
"use strict";

/** Reads the table directory of a TrueType font; returns tag -> offset. */
function tableOffsets(font) {
  const view = new DataView(font.buffer, font.byteOffset, font.byteLength);
  const tables = new Map();
  const count = view.getUint16(4);
  for (let i = 0; i < count; i++) {
    const record = 12 + 16 * i;
    const tag = String.fromCharCode(font[record], font[record + 1], font[record + 2], font[record + 3]);
    tables.set(tag, view.getUint32(record + 8));
  }
  return { view, tables };
}

/** Finds the format-4 (Unicode BMP) cmap subtable; returns its offset. */
function bmpSubtable(view, cmap) {
  const count = view.getUint16(cmap + 2);
  for (let i = 0; i < count; i++) {
    const record = cmap + 4 + 8 * i;
    const platform = view.getUint16(record);
    const encoding = view.getUint16(record + 2);
    const subtable = cmap + view.getUint32(record + 4);
    if (((platform === 3 && encoding === 1) || platform === 0) && view.getUint16(subtable) === 4) return subtable;
  }
  throw new Error("text-metrics: the font has no format-4 Unicode cmap");
}

/** Builds advance(codePoint) -> width in em for one font. */
function advanceReader(font) {
  const { view, tables } = tableOffsets(font);
  for (const tag of ["head", "hhea", "hmtx", "cmap"]) {
    if (!tables.has(tag)) throw new Error(`text-metrics: the font has no ${tag} table`);
  }
  const unitsPerEm = view.getUint16(tables.get("head") + 18);
  const longMetrics = view.getUint16(tables.get("hhea") + 34);
  const hmtx = tables.get("hmtx");
  const cmap4 = bmpSubtable(view, tables.get("cmap"));
  const segments = view.getUint16(cmap4 + 6) / 2;
  const endCodes = cmap4 + 14;
  const startCodes = endCodes + 2 * segments + 2;
  const deltas = startCodes + 2 * segments;
  const rangeOffsets = deltas + 2 * segments;

  /** The glyph of a BMP code point (0, the missing glyph, when the font has none). */
  function glyphOf(code) {
    for (let s = 0; s < segments; s++) {
      if (view.getUint16(endCodes + 2 * s) < code) continue;
      const start = view.getUint16(startCodes + 2 * s);
      if (start > code) return 0;
      const delta = view.getUint16(deltas + 2 * s);
      const rangeOffset = view.getUint16(rangeOffsets + 2 * s);
      if (rangeOffset === 0) return (code + delta) % 65536;
      const glyph = view.getUint16(rangeOffsets + 2 * s + rangeOffset + 2 * (code - start));
      return glyph === 0 ? 0 : (glyph + delta) % 65536;
    }
    return 0;
  }

  const cache = new Map();
  return (code) => {
    let width = cache.get(code);
    if (width === undefined) {
      const glyph = code > 0xffff ? 0 : glyphOf(code);
      const metric = hmtx + 4 * Math.min(glyph, longMetrics - 1);
      width = view.getUint16(metric) / unitsPerEm;
      cache.set(code, width);
    }
    return width;
  };
}

/**
 * Makes a vega textMetrics.width function from the regular and bold font files; it returns the
 * width in pixels of `text` (or item.text) at item.fontSize, capped at item.limit like vega's.
 */
function createTextWidth(regular, bold) {
  const advances = { regular: advanceReader(regular), bold: advanceReader(bold) };
  return (item, text) => {
    const value = String(text ?? item.text ?? "").trim();
    const size = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
    const weight = item.fontWeight;
    const advance = weight === "bold" || weight === "bolder" || Number(weight) >= 600 ? advances.bold : advances.regular;
    let em = 0;
    for (const char of value) em += advance(char.codePointAt(0));
    const width = em * size;
    return item.limit > 0 ? Math.min(width, item.limit) : width;
  };
}

module.exports = { createTextWidth };
