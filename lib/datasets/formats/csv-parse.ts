// RFC 4180 CSV, incrementally: feed chunks as they arrive (a 200 MB file never sits in memory) and get whole
// records back. Handles quoted fields with commas, doubled quotes ("") and line breaks inside quotes, CRLF or
// LF record ends, and a UTF-8 byte-order mark. Lenient where spreadsheets are: a quote inside an unquoted
// field is kept as text. Strict where data would be lost: text after a closing quote, or an unclosed quote
// at the end of the file, is an error naming the line.

export type CsvRecord = { line: number; fields: string[] };

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = "CsvSyntaxError";
  }
}

type State = "fieldStart" | "unquoted" | "quoted" | "quoteInQuoted";

export class CsvParser {
  private state: State = "fieldStart";
  private field = "";
  private fields: string[] = [];
  /** Physical line (1-based) the current position is on, and the one the current record started on. */
  private line = 1;
  private recordLine = 1;
  private started = false;
  private pendingCr = false;

  /** The physical line the parser has reached (for errors found outside it, e.g. bad bytes). */
  get currentLine(): number {
    return this.line;
  }

  /** Parses a chunk; returns the records completed by it. */
  push(chunk: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    let text = chunk;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) this.step(text[i] as string, out);
    return out;
  }

  /** Flushes the last record (a file need not end with a line break). */
  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    if (this.state === "quoted") throw new CsvSyntaxError(this.recordLine, "a quoted field is never closed; add the closing \"");
    if (this.pendingCr) this.pendingCr = false;
    if (this.state !== "fieldStart" || this.fields.length > 0 || this.field !== "") this.finishRecord(out);
    return out;
  }

  private step(ch: string, out: CsvRecord[]): void {
    // A lone "\r" ends a record too (old Mac files); "\r\n" ends it once.
    if (this.pendingCr) {
      this.pendingCr = false;
      if (ch === "\n") return;
    }
    switch (this.state) {
      case "quoted":
        if (ch === '"') this.state = "quoteInQuoted";
        else {
          if (ch === "\n") this.line++;
          this.field += ch;
        }
        return;
      case "quoteInQuoted":
        if (ch === '"') {
          this.field += '"';
          this.state = "quoted";
          return;
        }
        if (ch !== "," && ch !== "\n" && ch !== "\r") {
          throw new CsvSyntaxError(this.line, `unexpected ${JSON.stringify(ch)} after a closing quote; write a quote inside a quoted field as ""`);
        }
        break;
      case "fieldStart":
        if (ch === '"') {
          this.state = "quoted";
          return;
        }
        break;
      case "unquoted":
        break;
    }
    if (ch === ",") {
      this.fields.push(this.field);
      this.field = "";
      this.state = "fieldStart";
    } else if (ch === "\n" || ch === "\r") {
      this.finishRecord(out);
      this.line++;
      this.recordLine = this.line;
      this.pendingCr = ch === "\r";
    } else {
      this.field += ch;
      this.state = "unquoted";
    }
  }

  private finishRecord(out: CsvRecord[]): void {
    this.fields.push(this.field);
    // A blank line is not a record with one empty field.
    if (!(this.fields.length === 1 && this.fields[0] === "")) out.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.field = "";
    this.state = "fieldStart";
  }
}

/** Parses a whole CSV text (tests, small uploads). */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvParser();
  return [...parser.push(text), ...parser.end()];
}
