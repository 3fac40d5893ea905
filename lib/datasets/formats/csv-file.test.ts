import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonlFileError } from "../read/jsonl-stream";
import { CsvMappingError, readCsvRows, type CsvFileRow } from "./csv-file";
import { CsvSyntaxError } from "./csv-parse";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-csv-"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, content: string | Buffer): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

async function all(file: string, mapping = { user: "q", assistant: "a" }): Promise<CsvFileRow[]> {
  const out: CsvFileRow[] = [];
  for await (const r of readCsvRows(file, mapping)) out.push(r);
  return out;
}

describe("readCsvRows", () => {
  it("streams rows keyed by the header, with BOM, CRLF, quoted newlines and multi-byte text", async () => {
    const text = '\uFEFFq,a\r\n"héllo, ""you""\r\nthere",ça va\r\nshort\r\n';
    const rows = await all(write("ok.csv", text));
    expect(rows[0]).toEqual({ line: 2, row: { q: 'héllo, "you"\r\nthere', a: "ça va" } });
    expect(rows[1]).toMatchObject({ line: 4, error: { line: 4, code: "invalid_field" } });
  });

  it("throws on a mapping that names no header column, broken quoting, bad bytes and binary files", async () => {
    await expect(all(write("m.csv", "q,a\nx,y\n"), { user: "prompt", assistant: "a" })).rejects.toThrow(CsvMappingError);
    await expect(all(write("s.csv", 'q,a\nx,"y\n'))).rejects.toThrow(CsvSyntaxError);
    await expect(all(write("u.csv", Buffer.from([0x71, 0x2c, 0x61, 0x0a, 0xff, 0xfe, 0x2c, 0x79, 0x0a])))).rejects.toThrow(/not valid UTF-8/);
    await expect(all(write("b.csv", Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0])))).rejects.toThrow(JsonlFileError);
    await expect(all(path.join(dir, "missing.csv"))).rejects.toThrow(/no such file/);
  });
});
