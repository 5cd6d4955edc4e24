import { createRequire } from "module";
import { afterEach, describe, expect, it, vi } from "vitest";
import { show } from "../../src/display/show";

const require = createRequire(import.meta.url);
const JUPYTER_ID = "/fake/node_modules/tslab/dist/jupyter.js";
const PUBLIC_ID = "/fake/node_modules/tslab/dist/public.js";

/** Registers a fake loaded module, as tslab's would be in require.cache during a cell. */
function fakeModule(id: string, exports: object): void {
  require.cache[id] = { id, filename: id, loaded: true, exports } as NodeJS.Module;
}

const chartLike = {
  [Symbol.for("Jupyter.display")]: () => ({ "application/vnd.vegalite.v5+json": { mark: "bar" }, "image/png": "iVBOR", "text/plain": "a chart" }),
};

afterEach(() => {
  delete require.cache[JUPYTER_ID];
  delete require.cache[PUBLIC_ID];
  delete (globalThis as Record<string, unknown>).Deno;
  delete (globalThis as Record<string, unknown>).$$;
  vi.restoreAllMocks();
});

describe("show", () => {
  it("sends the whole bundle through tslab's display_data writer", () => {
    const sent: unknown[] = [];
    fakeModule(JUPYTER_ID, { lastWriteDisplayData: (data: unknown, update: boolean) => sent.push([data, update]) });
    expect(show(chartLike)).toBeUndefined();
    expect(sent).toEqual([[{ data: chartLike[Symbol.for("Jupyter.display")](), metadata: {}, transient: {} }, false]]);
  });

  it("falls back to Deno's display when tslab is loaded but not in a cell", () => {
    fakeModule(JUPYTER_ID, { lastWriteDisplayData: null });
    const display = vi.fn(async () => undefined);
    (globalThis as Record<string, unknown>).Deno = { jupyter: { display } };
    show(chartLike);
    expect(display).toHaveBeenCalledWith(chartLike[Symbol.for("Jupyter.display")](), { raw: true });
  });

  it("uses IJavascript's $$.mime when present", () => {
    const mime = vi.fn();
    (globalThis as Record<string, unknown>).$$ = { mime };
    show(chartLike);
    expect(mime).toHaveBeenCalledWith(chartLike[Symbol.for("Jupyter.display")]());
  });

  it("sends the PNG through tslab's one-MIME public display when its writer throws", () => {
    fakeModule(JUPYTER_ID, {
      lastWriteDisplayData: () => {
        throw new Error("socket closed");
      },
    });
    const raw = vi.fn();
    fakeModule(PUBLIC_ID, { display: { raw } });
    show(chartLike);
    expect(raw).toHaveBeenCalledWith("image/png", "iVBOR");
  });

  it("prints the text when no kernel is there, and never throws for a missing frontend", () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    fakeModule(PUBLIC_ID, {
      display: {
        raw: () => {
          throw new Error("Not ready");
        },
      },
    });
    show(chartLike);
    show(42);
    expect(log.mock.calls).toEqual([["a chart"], ["42"]]);
  });
});
