// The Vega-Lite 5 spec type the charts produce, and the one look they share: embedded font,
// white background, fixed sizes, so a spec renders to the same PNG everywhere.
import type { TopLevelSpec } from "vega-lite";

/** A Vega-Lite v5 top-level spec as plain JSON (what the application/vnd.vegalite.v5+json MIME carries). */
export interface VegaLiteSpec {
  /** The Vega-Lite schema URL (VEGA_LITE_SCHEMA). */
  $schema: string;
  [key: string]: unknown;
}

/** The Vega-Lite 5 schema every spec names (the line JupyterLab's renderer bundles). */
export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** The font embedded in assets/fonts and named in every spec (browsers fall back to their own). */
export const CHART_FONT = "DejaVu Sans";

/** Plot width in pixels shared by the charts, so side-by-side outputs line up. */
export const CHART_WIDTH = 640;

const CHART_CONFIG = {
  font: CHART_FONT,
  background: "white",
  padding: 8,
  title: { fontSize: 14, subtitleFontSize: 11, subtitleColor: "#444", anchor: "start", offset: 8 },
  axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal", labelColor: "#333" },
  legend: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: "normal" },
  view: { stroke: "#888" },
};

/** Adds the schema and the shared configuration to a chart body; returns the top-level spec. */
export function vegaLiteSpec(body: TopLevelSpec): VegaLiteSpec {
  return { $schema: VEGA_LITE_SCHEMA, config: CHART_CONFIG, ...(body as object) };
}
