// Reading a file line by line in chunks (src/capture/lines.ts): the lines are the file's text
// split at its newlines, whatever the chunk size, wherever a chunk ends (inside a line, inside a
// multi-byte character, on a newline), for lines longer than a chunk, and with a 0 always after
// the bytes read (the byte scanner stops there).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { LineReader, readLines } from "../../src/capture/lines";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pagelab-lines-test-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

let files = 0;
function fileWith(content: string | Buffer): string {
  const file = path.join(dir, `case-${files++}.txt`);
  fs.writeFileSync(file, content);
  return file;
}

/** The lines a text should read as: split at "\n", the last one unterminated unless the text ends with a newline. */
function expected(text: string): { text: string; terminated: boolean }[] {
  const parts = text.split("\n");
  const last = parts.pop() as string;
  const lines = parts.map((t) => ({ text: t, terminated: true }));
  if (last !== "") lines.push({ text: last, terminated: false });
  return lines;
}

function read(file: string, chunkBytes: number): { text: string; terminated: boolean }[] {
  const reader = new LineReader(file, chunkBytes);
  const lines: { text: string; terminated: boolean }[] = [];
  while (reader.nextLine()) {
    expect(reader.buffer[reader.filled]).toBe(0);
    lines.push({ text: reader.text(), terminated: reader.terminated });
  }
  return lines;
}

describe("LineReader", () => {
  it("reads any text as its lines, whatever the chunk size, keeping a 0 after the bytes read", () => {
    const text = fc.array(fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.constantFrom("\n", "\r\n", "\n\n", "€", "😀", "\u0000")), { maxLength: 30 }).map((parts) => parts.join(""));
    fc.assert(fc.property(text, fc.integer({ min: 1, max: 40 }), (t, chunkBytes) => {
      expect(read(fileWith(t), chunkBytes)).toEqual(expected(t));
    }), { seed: 1820, numRuns: 400 });
  });

  it("reads an empty file as no lines, and a lone newline as one empty line", () => {
    expect(read(fileWith(""), 8)).toEqual([]);
    expect(read(fileWith("\n"), 8)).toEqual([{ text: "", terminated: true }]);
  });

  it("decodes invalid UTF-8 as readLines always did: each bad byte becomes U+FFFD", () => {
    const bytes = Buffer.from([0x61, 0xff, 0x62, 0x0a, 0xe2, 0x82, 0x0a]);
    expect(read(fileWith(bytes), 3)).toEqual([{ text: "a\ufffdb", terminated: true }, { text: "\ufffd", terminated: true }]);
  });

  it("reads nothing more once closed, even lines already in its buffer", () => {
    const reader = new LineReader(fileWith("one\ntwo\nthree\n"), 64);
    expect(reader.nextLine()).toBe(true);
    expect(reader.text()).toBe("one");
    reader.close();
    reader.close();
    expect(reader.nextLine()).toBe(false);
  });
});

describe("readLines", () => {
  it("yields numbered lines across 1 MiB chunks, a line longer than two chunks, and characters cut by a chunk's end", () => {
    const long = "é".repeat(1.2 * 2 ** 20); // 2.4 MB of two-byte characters
    const short = Array.from({ length: 30_000 }, (_, i) => `line ${i} €${"x".repeat(i % 50)}`);
    const text = [...short, long, ...short, "last"].join("\n");
    const lines = [...readLines(fileWith(text))];
    expect(lines.map((l) => l.text)).toEqual(text.split("\n"));
    expect(lines.map((l) => l.number)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.map((l) => l.terminated)).toEqual(lines.map((_, i) => i < lines.length - 1));
  });

  it("stops early and closes the file when the walk is left", () => {
    const file = fileWith("a\nb\nc\n");
    for (const line of readLines(file)) if (line.number === 2) break;
    expect([...readLines(file)].map((l) => l.text)).toEqual(["a", "b", "c"]);
  });
});
