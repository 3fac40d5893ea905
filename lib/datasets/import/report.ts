import type { DatasetFormat } from "../formats";
import { MIN_EXAMPLES, RECOMMENDED_EXAMPLES } from "../validate";
import type { ImportReport, LineFinding } from "./types";

// Collects what an import pass finds, line by line, with bounded memory: every finding is counted by code,
// but only the first MAX_LISTED of each severity are kept with their message (a 100k-line file of one
// repeated mistake must not turn into a 100 MB report).

export const MAX_LISTED = 1000;
export const MAX_INVALID_LINES = 10_000;

/** Validator messages start with "line N: "; the report keeps the line in its own field. */
export function withoutLinePrefix(message: string): string {
  return message.replace(/^line \d+(?: \(validation\))?: /, "");
}

export class ReportBuilder {
  private errors: LineFinding[] = [];
  private warnings: LineFinding[] = [];
  private errorCounts: Record<string, number> = {};
  private warningCounts: Record<string, number> = {};
  private invalidLineNumbers: number[] = [];
  private truncated = false;
  lines = 0;
  blankLines = 0;
  validLines = 0;
  invalidLines = 0;
  /** contentHash → first line, to warn about exact repeats inside the file. */
  private seen = new Map<string, number>();

  constructor(private readonly format: DatasetFormat | null) {}

  blank(): void {
    this.lines += 1;
    this.blankLines += 1;
  }

  /** A line that becomes an example (it may still carry warnings). */
  valid(line: number, warnings: LineFinding[], contentHash: string): void {
    this.lines += 1;
    this.validLines += 1;
    for (const w of warnings) this.add("warning", w);
    const first = this.seen.get(contentHash);
    if (first === undefined) this.seen.set(contentHash, line);
    else this.add("warning", { line, code: "exact_duplicate", message: `repeats line ${first}; remove one copy (the table's duplicate filter finds them after import)` });
  }

  /** A line that cannot become an example; `errors` say why (at least one). */
  invalid(line: number, errors: LineFinding[], warnings: LineFinding[] = []): void {
    this.lines += 1;
    this.invalidLines += 1;
    if (this.invalidLineNumbers.length < MAX_INVALID_LINES) this.invalidLineNumbers.push(line);
    else this.truncated = true;
    for (const e of errors) this.add("error", e);
    for (const w of warnings) this.add("warning", w);
  }

  private add(severity: "error" | "warning", finding: LineFinding): void {
    const list = severity === "error" ? this.errors : this.warnings;
    const counts = severity === "error" ? this.errorCounts : this.warningCounts;
    counts[finding.code] = (counts[finding.code] ?? 0) + 1;
    if (list.length < MAX_LISTED) list.push({ ...finding, message: withoutLinePrefix(finding.message) });
    else this.truncated = true;
  }

  /** File-level advice on the count of examples (OpenAI's minimum and recommendation). */
  private countWarnings(): void {
    const n = this.validLines;
    if (n > 0 && n < MIN_EXAMPLES) {
      this.add("warning", { line: 0, code: "too_few_examples", message: `${n} example${n === 1 ? "" : "s"}; OpenAI requires at least ${MIN_EXAMPLES} to fine-tune, so add ${MIN_EXAMPLES - n} more before training` });
    } else if (n > 0 && n < RECOMMENDED_EXAMPLES) {
      this.add("warning", { line: 0, code: "few_examples", message: `${n} examples; OpenAI sees improvements from 50–100 well-crafted examples, so aim for at least ${RECOMMENDED_EXAMPLES}` });
    }
  }

  finish(): ImportReport {
    this.countWarnings();
    this.seen.clear();
    return {
      format: this.format,
      lines: this.lines,
      blankLines: this.blankLines,
      validLines: this.validLines,
      invalidLines: this.invalidLines,
      errors: this.errors,
      warnings: this.warnings,
      errorCounts: this.errorCounts,
      warningCounts: this.warningCounts,
      invalidLineNumbers: this.invalidLineNumbers,
      truncated: this.truncated,
    };
  }
}
