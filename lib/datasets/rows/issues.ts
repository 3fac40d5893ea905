import type { Issue } from "../validate";

// An example's `issues` column holds two kinds of finding with different owners:
//  - example-level (shape, content, roles, tools…): written on import and on every save of the row;
//  - dataset-level (duplicates, leakage, token limit): written by the background analysis, which sees all rows.
// Each writer replaces only its own kind and keeps the other, then recomputes the filter columns.

export const DATASET_LEVEL_CODES = new Set<string>(["exact_duplicate", "near_duplicate", "split_leakage", "too_many_tokens"]);

/** A finding as stored on a row: no line number (rows move), the message says what to do. */
export type StoredIssue = Pick<Issue, "code" | "severity" | "message"> & { path?: string };

export type IssueColumns = {
  issues: StoredIssue[];
  issueCodes: string[];
  errorCount: number;
  warningCount: number;
};

/** Validator messages start with "line N: "; on a stored row the line is meaningless. */
export function toStoredIssue(issue: Pick<Issue, "code" | "severity" | "message" | "path">): StoredIssue {
  const message = issue.message.replace(/^line \d+(?: \(validation\))?: /, "");
  return { code: issue.code, severity: issue.severity, message, ...(issue.path ? { path: issue.path } : {}) };
}

export function issueColumns(issues: StoredIssue[]): IssueColumns {
  return {
    issues,
    issueCodes: [...new Set(issues.map((i) => i.code))].sort(),
    errorCount: issues.filter((i) => i.severity === "error").length,
    warningCount: issues.filter((i) => i.severity === "warning").length,
  };
}

function asStored(value: unknown): StoredIssue[] {
  return Array.isArray(value) ? (value as StoredIssue[]) : [];
}

/** Replaces the example-level findings of a row (import, editor save), keeping the dataset-level ones. */
export function withExampleIssues(current: unknown, exampleIssues: StoredIssue[]): IssueColumns {
  const kept = asStored(current).filter((i) => DATASET_LEVEL_CODES.has(i.code));
  return issueColumns([...exampleIssues.filter((i) => !DATASET_LEVEL_CODES.has(i.code)), ...kept]);
}

/** Replaces the dataset-level findings of a row (analysis), keeping the example-level ones. */
export function withDatasetIssues(current: unknown, datasetIssues: StoredIssue[]): IssueColumns {
  const kept = asStored(current).filter((i) => !DATASET_LEVEL_CODES.has(i.code));
  return issueColumns([...kept, ...datasetIssues.filter((i) => DATASET_LEVEL_CODES.has(i.code))]);
}
