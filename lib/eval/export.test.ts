import { describe, expect, it } from "vitest";
import { csvField, csvLine, exportFileName } from "./export";

describe("csvField", () => {
  it("quotes per RFC 4180 only when needed, doubling quotes", () => {
    expect(csvField("plain text")).toBe("plain text");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField("cr\rhere")).toBe('"cr\rhere"');
    expect(csvField("")).toBe("");
    expect(csvField(null)).toBe("");
    expect(csvField(undefined)).toBe("");
  });

  it("guards text a spreadsheet would run as a formula with a leading apostrophe", () => {
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField("+33 6 12")).toBe("'+33 6 12");
    expect(csvField("-x")).toBe("'-x");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvField("\t=cmd")).toBe("'\t=cmd");
    expect(csvField('=HYPERLINK("x","y")')).toBe(`"'=HYPERLINK(""x"",""y"")"`);
    // Only at the start of the cell.
    expect(csvField("a=b")).toBe("a=b");
  });

  it("writes numbers as they are (a negative delta is not a formula), non-finite as empty", () => {
    expect(csvField(-0.25)).toBe("-0.25");
    expect(csvField(0)).toBe("0");
    expect(csvField(Number.NaN)).toBe("");
  });

  it("ends lines with CRLF", () => {
    expect(csvLine(["a", 1, null, "b,c"])).toBe('a,1,,"b,c"\r\n');
  });
});

describe("exportFileName", () => {
  it("slugs the run name to ASCII and keeps the id", () => {
    expect(exportFileName({ id: "ck1", name: 'Triage v2 / "final"' }, "csv")).toBe("eval-triage-v2-final-ck1.csv");
    expect(exportFileName({ id: "ck1", name: "Évaluation ü" }, "json")).toBe("eval-evaluation-u-ck1.json");
    expect(exportFileName({ id: "ck1", name: "" }, "csv")).toBe("eval-ck1.csv");
    expect(exportFileName({ id: "ck1", name: "日本語" }, "csv")).toBe("eval-ck1.csv");
  });
});
