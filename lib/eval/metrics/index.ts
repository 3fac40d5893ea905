// Per-sample metrics of an eval run: one small file per metric, all pure functions of (output, expected).
export { exactMatch } from "./exact";
export { normalizeAnswer, normalizedMatch, normalizedTokens } from "./normalize";
export { jsonText, jsonValid, parseJsonOutput } from "./json";
export { compileJsonSchema, schemaValid, SchemaCompileError } from "./schema";
export { lcsLength, rougeL, wordTokens } from "./rouge";
export { tokenF1 } from "./f1";
export { lengthRatio } from "./length";
export { sampleMetrics, type SampleMetricsInput } from "./sample";
