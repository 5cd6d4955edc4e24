// Legibility, checked by machine: renders a Vega-Lite spec with vega in Node (text laid out with
// the embedded DejaVu Sans metrics, as the PNG is drawn) and reads the scenegraph's item bounds.
// A chart is legible when
//   - no two visible text items overlap (rotated text as its rotated box),
//   - no text runs outside the view (the canvas the PNG shows),
//   - no line or point of the data runs through a data label,
//   - within one chart a colour means one thing (one legend label per legend colour).
// Used by test/charts/legibility.test.ts over every chart of every notebook and over fixtures of
// the cases issue 15 saw.
import { readFileSync } from "fs";
import { createRequire } from "module";
import * as path from "path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

const require = createRequire(__filename);
const ASSETS = path.join(__dirname, "..", "..", "assets");
const { createTextWidth } = require(path.join(ASSETS, "text-metrics.cjs")) as {
  createTextWidth(regular: Uint8Array, bold: Uint8Array): (item: object, text?: string) => number;
};
(vega.textMetrics as { width: unknown }).width = createTextWidth(
  new Uint8Array(readFileSync(path.join(ASSETS, "fonts", "DejaVuSans.ttf"))),
  new Uint8Array(readFileSync(path.join(ASSETS, "fonts", "DejaVuSans-Bold.ttf"))),
);

/** Overlaps shallower than this many pixels are not counted (text boxes include line spacing). */
const TOLERANCE = 1;

type Point = [number, number];

/** A visible text item: its text, role and rotated box (four corners in order, view coordinates). */
export interface TextBox {
  text: string;
  role: string;
  corners: Point[];
}

/** What the checker found in one chart. */
export interface Legibility {
  texts: TextBox[];
  /** Pairs of text items that overlap. */
  overlaps: string[];
  /** Text items that run outside the view. */
  outside: string[];
  /** Data labels a line or a point runs through. */
  crossed: string[];
  /** Colours that mean more than one thing in the chart's legends. */
  colours: string[];
}

interface SceneItem {
  x?: number;
  y?: number;
  angle?: number;
  text?: unknown;
  opacity?: number;
  fillOpacity?: number;
  fill?: unknown;
  stroke?: unknown;
  size?: number;
  strokeDash?: unknown;
  items?: SceneMark[];
}
interface SceneMark {
  marktype: string;
  role?: string;
  items: SceneItem[];
}

interface Scene {
  texts: TextBox[];
  segments: [Point, Point][];
  /** Points of the data, as small squares. */
  points: Point[][];
  legend: { colour: string; label: string }[];
}

const textOf = (value: unknown): string =>
  (Array.isArray(value) ? value.join(" / ") : typeof value === "string" || typeof value === "number" ? String(value) : "").trim();
const visible = (item: SceneItem): boolean => item.opacity !== 0 && item.fillOpacity !== 0;

/** Projections of points on an axis: [min, max]. */
function project(points: Point[], axis: Point): [number, number] {
  const values = points.map(([x, y]) => x * axis[0] + y * axis[1]);
  return [Math.min(...values), Math.max(...values)];
}

/** The edge normals of a polygon (unit length). */
function normals(corners: Point[]): Point[] {
  return corners.map(([x, y], i) => {
    const [nx, ny] = corners[(i + 1) % corners.length];
    const length = Math.hypot(nx - x, ny - y) || 1;
    return [-(ny - y) / length, (nx - x) / length] as Point;
  });
}

/** Separating-axis test: true when two convex polygons overlap deeper than TOLERANCE. */
function polygonsOverlap(a: Point[], b: Point[]): boolean {
  for (const axis of [...normals(a), ...normals(b)]) {
    const [a0, a1] = project(a, axis);
    const [b0, b1] = project(b, axis);
    if (Math.min(a1, b1) - Math.max(a0, b0) <= TOLERANCE) return false;
  }
  return true;
}

/** True when the segment p-q passes through the polygon deeper than TOLERANCE. */
function segmentCrosses(corners: Point[], p: Point, q: Point): boolean {
  // Separating axes: the polygon's edge normals, and the segment's own normal, on which the
  // segment is a single value that must lie inside the polygon's range.
  for (const axis of normals(corners)) {
    const [a0, a1] = project(corners, axis);
    const [b0, b1] = project([p, q], axis);
    if (Math.min(a1, b1) - Math.max(a0, b0) <= TOLERANCE) return false;
  }
  const length = Math.hypot(q[0] - p[0], q[1] - p[1]) || 1;
  const axis: Point = [-(q[1] - p[1]) / length, (q[0] - p[0]) / length];
  const [a0, a1] = project(corners, axis);
  const [b] = project([p], axis);
  return b > a0 + TOLERANCE && b < a1 - TOLERANCE;
}

/** Records a legend entry (a group holding a legend symbol and its label): its colour and label. */
function legendEntry(marks: SceneMark[], scene: Scene): void {
  const symbol = marks.find((m) => m.role === "legend-symbol")?.items[0];
  const label = marks.find((m) => m.role === "legend-label")?.items[0];
  if (symbol === undefined || label === undefined || !visible(symbol)) return;
  const colour = typeof symbol.fill === "string" && symbol.fill !== "transparent" ? symbol.fill : String(symbol.stroke);
  // Entries told apart by their dash pattern (one line per process) do not give the colour a meaning.
  const dash = symbol.strokeDash === undefined ? "" : ` dashed ${String(symbol.strokeDash)}`;
  scene.legend.push({ colour: colour.toLowerCase() + dash, label: textOf(label.text) });
}

const textBound = vega.Marks.text as unknown as { bound(bounds: vega.Bounds, item: object, mode: number): number[] };

/** Walks the scenegraph adding group offsets: text boxes, line segments, points, legend entries. */
function collect(mark: SceneMark, dx: number, dy: number, scene: Scene): void {
  const dataMark = mark.role === "mark";
  if (mark.marktype === "line" && dataMark) {
    const points = mark.items.filter(visible).map((item) => [dx + (item.x ?? 0), dy + (item.y ?? 0)] as Point);
    for (let i = 1; i < points.length; i++) scene.segments.push([points[i - 1], points[i]]);
  }
  for (const item of mark.items) {
    if (mark.marktype === "symbol" && dataMark && visible(item)) {
      const [x, y, r] = [dx + (item.x ?? 0), dy + (item.y ?? 0), Math.sqrt(item.size ?? 64) / 2];
      scene.points.push([[x - r, y - r], [x + r, y - r], [x + r, y + r], [x - r, y + r]]);
    } else if (mark.marktype === "text") {
      const text = textOf(item.text);
      if (text === "" || !visible(item)) continue;
      // Mode 2 returns the rotated corners: top-left, bottom-left, top-right, bottom-right
      // (it needs an angle, which legends leave unset).
      const flat = textBound.bound(new vega.Bounds(), { ...item, angle: item.angle ?? 0 }, 2);
      const c: Point[] = [0, 1, 2, 3].map((k) => [dx + flat[2 * k], dy + flat[2 * k + 1]]);
      scene.texts.push({ text, role: mark.role ?? "", corners: [c[0], c[2], c[3], c[1]] });
    } else if (mark.marktype === "group") {
      legendEntry(item.items ?? [], scene);
      for (const child of item.items ?? []) collect(child, dx + (item.x ?? 0), dy + (item.y ?? 0), scene);
    }
  }
}

const name = (box: TextBox): string => `"${box.text}" (${box.role})`;

/** Applies the rules to a collected scene drawn on a width x height view. */
function judge(scene: Scene, width: number, height: number): Legibility {
  const { texts } = scene;
  const overlaps: string[] = [];
  for (let i = 0; i < texts.length; i++) {
    for (let j = i + 1; j < texts.length; j++) {
      if (polygonsOverlap(texts[i].corners, texts[j].corners)) overlaps.push(`${name(texts[i])} overlaps ${name(texts[j])}`);
    }
  }
  const outside = texts
    .filter((box) => box.corners.some(([x, y]) => x < -TOLERANCE || y < -TOLERANCE || x > width + TOLERANCE || y > height + TOLERANCE))
    .map((box) => `${name(box)} runs outside the ${width} x ${height} view`);
  const crossed = texts
    .filter((box) => box.role === "mark")
    .filter((box) => scene.segments.some(([p, q]) => segmentCrosses(box.corners, p, q)) || scene.points.some((square) => polygonsOverlap(box.corners, square)))
    .map((box) => `a line or point runs through ${name(box)}`);
  const meanings = new Map<string, Set<string>>();
  for (const { colour, label } of scene.legend) meanings.set(colour, (meanings.get(colour) ?? new Set()).add(label));
  const colours = [...meanings]
    .filter(([, labels]) => labels.size > 1)
    .map(([colour, labels]) => `${colour} means ${[...labels].map((l) => `"${l}"`).join(" and ")}`);
  return { texts, overlaps, outside, crossed, colours };
}

/** Renders a Vega-Lite spec (headless, Node) and checks its legibility; returns what it found. */
export async function checkLegibility(spec: object): Promise<Legibility> {
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: "none" });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const width = Number(/width="([\d.]+)"/.exec(svg)?.[1]);
    const height = Number(/height="([\d.]+)"/.exec(svg)?.[1]);
    const [ox, oy] = view.origin();
    const scene: Scene = { texts: [], segments: [], points: [], legend: [] };
    collect((view.scenegraph() as unknown as { root: SceneMark }).root, ox, oy, scene);
    return judge(scene, width, height);
  } finally {
    view.finalize();
  }
}

/** Every problem found, one line each (empty when the chart is legible). */
export function problems(result: Legibility): string[] {
  return [...result.overlaps, ...result.outside, ...result.crossed, ...result.colours];
}
