import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { firstInvalidUtf8, JsonlFileError, readJsonlLines, type JsonlLine } from "./jsonl-stream";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-jsonl-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function all(file: string, opts = {}): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const l of readJsonlLines(file, opts)) out.push(l);
  return out;
}

async function failure(file: string, opts = {}): Promise<JsonlFileError> {
  try {
    await all(file, opts);
  } catch (err) {
    if (err instanceof JsonlFileError) return err;
    throw err;
  }
  throw new Error("expected a JsonlFileError");
}

describe("readJsonlLines", () => {
  it("yields 1-based lines; a final newline starts no extra line; blank lines are kept", async () => {
    const lines = await all(write("plain.jsonl", '{"a":1}\n\n{"b":2}\n'));
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: "" },
      { line: 3, text: '{"b":2}' },
    ]);
  });

  it("strips a byte-order mark and CRLF line ends", async () => {
    const lines = await all(write("bom.jsonl", '\uFEFF{"a":1}\r\n{"b":"x\\r"}\r\n'));
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}' },
      { line: 2, text: '{"b":"x\\r"}' },
    ]);
  });

  it("keeps the last line when the file does not end with a newline", async () => {
    expect(await all(write("nofinal.jsonl", "a\nb"))).toEqual([
      { line: 1, text: "a" },
      { line: 2, text: "b" },
    ]);
  });

  it("reads an empty file as no lines", async () => {
    expect(await all(write("empty.jsonl", ""))).toEqual([]);
  });

  it("reports invalid UTF-8 on its line and goes on reading", async () => {
    const file = write("latin1.jsonl", Buffer.concat([Buffer.from('{"a":"ok"}\n{"a":"caf'), Buffer.from([0xe9]), Buffer.from('"}\n{"a":"é"}\n')]));
    const lines = await all(file);
    expect(lines[0]).toEqual({ line: 1, text: '{"a":"ok"}' });
    expect(lines[1]).toMatchObject({ line: 2, text: null, error: { code: "invalid_utf8" } });
    expect((lines[1] as { error: { message: string } }).error.message).toMatch(/line 2: .*not valid UTF-8.*column 10/);
    expect(lines[2]).toEqual({ line: 3, text: '{"a":"é"}' });
  });

  it("reassembles multi-byte characters and lines split across read chunks", async () => {
    const text = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, s: "héllo wörld ✓ 🙂".repeat(i % 5) })).join("\n");
    const lines = await all(write("chunks.jsonl", text), { highWaterMark: 7 });
    expect(lines.map((l) => l.text)).toEqual(text.split("\n"));
  });

  it("reads a 10 MB single line", async () => {
    const big = JSON.stringify({ messages: [{ role: "user", content: "x".repeat(10 * 1024 * 1024) }] });
    const lines = await all(write("big.jsonl", big + "\n"));
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text!.length).toBe(big.length);
  });

  it("refuses a line over maxLineBytes with its line number", async () => {
    const err = await failure(write("long.jsonl", "ok\n" + "y".repeat(5000)), { maxLineBytes: 1000, highWaterMark: 256 });
    expect(err.code).toBe("line_too_long");
    expect(err.line).toBe(2);
  });

  it("detects binary files by NUL bytes and UTF-16 by its byte-order mark", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    expect((await failure(write("img.jsonl", png))).code).toBe("binary_file");
    const utf16 = Buffer.from('\uFEFF{"a":1}\n', "utf16le");
    const err = await failure(write("utf16.jsonl", utf16));
    expect(err.code).toBe("binary_file");
    expect(err.message).toMatch(/UTF-16.*save it as UTF-8/);
  });

  it("says when the file is missing or a directory", async () => {
    expect((await failure(path.join(dir, "nope.jsonl"))).code).toBe("not_found");
    const err = await failure(dir);
    expect(err.code).toBe("is_directory");
    expect(err.message).toMatch(/is a directory/);
  });
});

describe("firstInvalidUtf8", () => {
  it("points at the first byte that breaks a sequence", () => {
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x62, 0xff]))).toBe(2);
    expect(firstInvalidUtf8(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(firstInvalidUtf8(Buffer.from([0xc0, 0x80]))).toBe(0);
  });
});
