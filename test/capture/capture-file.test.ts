// A capture file that cannot be read as one is refused with a CaptureFileError naming the call and
// the path: load(".") threw a raw EISDIR Error, and replay() of a capture whose file was deleted
// after load() a raw ENOENT (its records are read from the file again at every walk).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { CaptureFileError, load, replay } from "../../src/capture";
import { InvalidArgumentError, PagelabError } from "../../src/errors";

const MINIMAL = fs.readFileSync(path.join(__dirname, "fixtures", "minimal.capture"), "utf8");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-capture-file-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let n = 0;
function copy(): string {
  const file = path.join(dir, `copy-${n++}.capture`);
  fs.writeFileSync(file, MINIMAL);
  return file;
}

function refusal(run: () => unknown): CaptureFileError {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(CaptureFileError);
    expect(e).toBeInstanceOf(InvalidArgumentError);
    expect(e).toBeInstanceOf(PagelabError);
    return e as CaptureFileError;
  }
  throw new Error("the call was not refused");
}

describe("load refuses what is not a readable capture file", () => {
  it("a directory", () => {
    const e = refusal(() => load("."));
    expect(e.message).toBe('capture.load(file): "." is a directory, not a capture file');
    expect(e.file).toBe(".");
    expect(refusal(() => load(dir)).reason).toBe("is a directory, not a capture file");
  });

  it("a device or other non-file (reading /dev/zero would never end)", () => {
    expect(refusal(() => load("/dev/zero")).message).toMatch(/^capture\.load\(file\): "\/dev\/zero" is not a regular file/);
  });

  it.skipIf(process.getuid?.() === 0)("a file the system will not read, with the errno code", () => {
    const file = copy();
    fs.chmodSync(file, 0o000);
    expect(refusal(() => load(file)).message).toMatch(/^capture\.load\(file\): ".*" cannot be read \(EACCES\)/);
  });

  it("still refuses a missing file as before, and a path that is not a string without a TypeError", () => {
    expect(() => load(path.join(dir, "none.capture"))).toThrow(/^capture\.load\(file\): no file at /);
    expect(() => load(10n as unknown as string)).toThrow(/^capture\.load\(file\): file must be a path, got 10n/);
  });
});

describe("a loaded capture whose file is gone or changed", () => {
  it("replay says the file is gone since load, not ENOENT", () => {
    const file = copy();
    const c = load(file);
    fs.unlinkSync(file);
    const e = refusal(() => replay(c));
    expect(e.message).toMatch(/^capture\.replay\(capture\): ".*copy-\d+\.capture" is gone since capture\.load\(\) read it \(ENOENT\)/);
    expect(refusal(() => [...c.records()]).message).toMatch(/^capture\.records\(\): .* is gone since capture\.load\(\) read it/);
  });

  it("replay says the file changed since load when its size or modification time differ", () => {
    const grown = copy();
    const c = load(grown);
    fs.appendFileSync(grown, "# a comment\n");
    expect(refusal(() => replay(c)).message).toMatch(/^capture\.replay\(capture\): .* changed since capture\.load\(\) read it \(then \d+ bytes modified .*, now \d+ bytes modified .*\); load it again/);

    const touched = copy();
    const d = load(touched);
    fs.utimesSync(touched, new Date(0), new Date(0));
    expect(refusal(() => replay(d)).reason).toMatch(/^changed since capture\.load\(\) read it/);
  });

  it("a file rewritten in place with the same size and time still reads as changed, at the line that differs", () => {
    const file = copy();
    fs.utimesSync(file, 1000, 1000);
    const c = load(file);
    fs.writeFileSync(file, MINIMAL.replace("a 1 1024 55550010 0", "a 1 1024 55550010 9"));
    fs.utimesSync(file, 1000, 1000);
    expect(refusal(() => replay(c)).reason).toMatch(/^changed since capture\.load\(\) read it \(line 3: allocation 1 names site 9, which no site line defined before\); load it again/);
  });

  it("an unchanged file replays as before, also after a chdir", () => {
    const file = copy();
    const c = load(path.relative(process.cwd(), file));
    const before = process.cwd();
    try {
      process.chdir(os.tmpdir());
      expect(replay(c).calls).toBe(c.summary.allocations + c.summary.frees);
    } finally {
      process.chdir(before);
    }
  });
});
