import { describe, expect, it } from "vitest";
import { CsvParser, CsvSyntaxError, parseCsv } from "./csv-parse";

describe("parseCsv (RFC 4180)", () => {
  it("splits plain fields and records, with or without a final line break", () => {
    expect(parseCsv("a,b\n1,2\n")).toEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
    ]);
    expect(parseCsv("a,b\n1,2")).toEqual(parseCsv("a,b\n1,2\n"));
  });

  it("handles quoted commas, doubled quotes and line breaks inside quotes, keeping line numbers", () => {
    const text = 'q,a\n"Hello, there","She said ""hi"""\n"line one\nline two",x\nlast,row\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ["q", "a"] },
      { line: 2, fields: ["Hello, there", 'She said "hi"'] },
      { line: 3, fields: ["line one\nline two", "x"] },
      { line: 5, fields: ["last", "row"] },
    ]);
  });

  it("accepts CRLF, keeps CRLF inside quotes, strips a BOM and skips blank lines", () => {
    const text = '\uFEFFq,a\r\n"multi\r\nline",y\r\n\r\nz,w\r\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ["q", "a"] },
      { line: 2, fields: ["multi\r\nline", "y"] },
      { line: 5, fields: ["z", "w"] },
    ]);
  });

  it("keeps empty fields and a quote inside an unquoted field", () => {
    expect(parseCsv('a,,c\n5" disk,"",\n')).toEqual([
      { line: 1, fields: ["a", "", "c"] },
      { line: 2, fields: ['5" disk', "", ""] },
    ]);
  });

  it("gives the same records however the text is chunked", () => {
    const text = '\uFEFFq,a\r\n"x, ""y""\r\nz",w\r\nlast,"r"\r\n';
    const whole = parseCsv(text);
    const parser = new CsvParser();
    const pieces = [...text].flatMap((ch) => parser.push(ch));
    expect([...pieces, ...parser.end()]).toEqual(whole);
  });

  it("reports text after a closing quote and an unclosed quote with the line", () => {
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(CsvSyntaxError);
    expect(() => parseCsv('a,b\n"x"y,z\n')).toThrow(/^line 2: unexpected "y" after a closing quote/);
    expect(() => parseCsv('a,b\nok,ok\n"never closed,\nmore\n')).toThrow(/^line 3: a quoted field is never closed/);
  });
});
