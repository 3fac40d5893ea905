// Public surface of the dataset validator.
export { ISSUE_CODES, severityOf, type IssueCode } from "./codes";
export { validateExample, exampleKind, type ExampleKind } from "./example";
export { DatasetValidator, validateDataset, MIN_EXAMPLES, RECOMMENDED_EXAMPLES, NEAR_DUPLICATE_JACCARD } from "./dataset";
export type { DatasetExample, DatasetLine, DatasetOptions, DatasetReport, DatasetStats } from "./dataset";
export type { Issue, Severity, Split, ExampleContext } from "./types";
