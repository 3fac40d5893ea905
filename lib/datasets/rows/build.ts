import { Prisma } from "@prisma/client";
import { exampleRecord, storedFields } from "../export";
import type { ConvertedRecord } from "../formats";
import { validateExample } from "../validate";
import { exampleDerivedColumns } from "./derive";
import { toStoredIssue, withExampleIssues } from "./issues";

// One place that turns an example into the columns of an Example row: stored fields, derived table columns
// and example-level findings. Import (many rows), the editor (one row) and tests all build rows here.

export type RowPlacement = {
  datasetId: string;
  position: number;
  split?: "train" | "validation" | "test";
  tags?: string[];
  /** e.g. "support.jsonl:12", "manual", "sample". */
  source?: string;
};

function json(value: unknown): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return value == null ? Prisma.DbNull : (value as Prisma.InputJsonValue);
}

/** The content columns of a row (for create and update): stored fields, derived columns, example findings. */
export function contentColumns(converted: ConvertedRecord, currentIssues: unknown = []) {
  const stored = storedFields(converted);
  // Validate what will be exported (the stored form), so the row's findings describe the file OpenAI gets.
  const findings = validateExample(exampleRecord(stored), { line: 0 }).map(toStoredIssue);
  const issues = withExampleIssues(currentIssues, findings);
  return {
    kind: stored.kind,
    messages: stored.messages as Prisma.InputJsonValue,
    tools: json(stored.tools),
    preference: json(stored.preference),
    extra: json(stored.extra),
    ...exampleDerivedColumns(stored),
    issues: issues.issues as unknown as Prisma.InputJsonValue,
    issueCodes: issues.issueCodes,
    errorCount: issues.errorCount,
    warningCount: issues.warningCount,
    // Content changed: the analysis recounts.
    tokenCount: null,
    assistantTokens: null,
  };
}

/** A complete new row for createMany. */
export function newExampleRow(converted: ConvertedRecord, at: RowPlacement): Prisma.ExampleCreateManyInput {
  return {
    datasetId: at.datasetId,
    position: at.position,
    split: at.split ?? "train",
    tags: at.tags ?? [],
    source: at.source ?? "manual",
    ...contentColumns(converted),
  };
}

