// The record cursor replay can walk instead of records(): the same records in the same order,
// allocation and free fields on the cursor, the file's contract checked again, the file released
// when the walk stops early.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureFileError, load } from "../../src/capture";
import { CURSOR_ALLOC, CURSOR_END, CURSOR_FREE, type RecordCursor, recordAt } from "../../src/capture/cursor";
import type { CaptureRecord } from "../../src/capture/format";
import { type Capture, recordCursor } from "../../src/capture/load";

const FIXTURES = path.join(__dirname, "fixtures");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-cursor-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function walk(cursor: RecordCursor): CaptureRecord[] {
  const records: CaptureRecord[] = [];
  try {
    for (let kind = cursor.next(); kind !== CURSOR_END; kind = cursor.next()) records.push(recordAt(cursor, kind));
  } finally {
    cursor.close();
  }
  return records;
}

describe("recordCursor", () => {
  it("walks a loaded capture's records as records() yields them, with allocations and frees on the cursor", () => {
    for (const name of ["tiny.capture", "minimal.capture"]) {
      const c = load(path.join(FIXTURES, name));
      const records = [...c.records()];
      expect(walk(recordCursor(c))).toEqual(records);
      const cursor = recordCursor(c);
      let allocated = 0;
      let freed = 0;
      for (let kind = cursor.next(); kind !== CURSOR_END; kind = cursor.next()) {
        if (kind === CURSOR_ALLOC) allocated += cursor.size;
        if (kind === CURSOR_FREE) freed++;
      }
      expect(allocated).toBe(records.reduce((sum, r) => sum + (r.kind === "alloc" ? r.size : 0), 0));
      expect(freed).toBe(c.summary.frees);
    }
  });

  it("walks records() of a capture load() did not make, and returns that generator when closed early", () => {
    const c = load(path.join(FIXTURES, "minimal.capture"));
    let finished = false;
    const copy: Capture = {
      ...c,
      *records() {
        try {
          yield* c.records();
        } finally {
          finished = true;
        }
      },
    };
    expect(walk(recordCursor(copy))).toEqual([...c.records()]);
    finished = false;
    const cursor = recordCursor(copy);
    cursor.next();
    cursor.close();
    expect(finished).toBe(true);
  });

  it("checks the file again: a file changed after load is refused at its bad line", () => {
    const file = path.join(dir, "changed.capture");
    const text = fs.readFileSync(path.join(FIXTURES, "minimal.capture"), "utf8");
    fs.writeFileSync(file, text);
    // the same size and modification time: only the walk itself can tell the file changed
    fs.utimesSync(file, 1000, 1000);
    const c = load(file);
    fs.writeFileSync(file, text.replace("f 2", "f 9"));
    fs.utimesSync(file, 1000, 1000);
    const cursor = recordCursor(c);
    let error: unknown = null;
    try {
      while (cursor.next() !== CURSOR_END);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CaptureFileError);
    const line = text.split("\n").indexOf("f 2") + 1;
    expect((error as CaptureFileError).reason).toBe(`changed since capture.load() read it (line ${line}: free of allocation 9, which is not live); load it again`);
    expect(cursor.next()).toBe(CURSOR_END);
  });

  it("refuses a file whose size or modification time changed after load before it reads a line", () => {
    const file = path.join(dir, "grown.capture");
    fs.writeFileSync(file, fs.readFileSync(path.join(FIXTURES, "minimal.capture"), "utf8"));
    const c = load(file);
    fs.appendFileSync(file, "# more\n");
    expect(() => recordCursor(c)).toThrow(CaptureFileError);
  });

  it("reads nothing more once closed", () => {
    const cursor = recordCursor(load(path.join(FIXTURES, "minimal.capture")));
    expect(cursor.next()).toBe(CURSOR_ALLOC);
    cursor.close();
    expect(cursor.next()).toBe(CURSOR_END);
  });
});
