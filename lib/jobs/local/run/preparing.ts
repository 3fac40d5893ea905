import type { QuantizationConfig } from "../config";
import type { VersionData } from "./data";
import { unitCount } from "./tokenize";

// What the job log says between a GPU worker taking a local job and its first step. Loading a real model
// (quantizing it to NF4 on the way) and tokenizing a large version take from seconds to minutes, and without a
// word the job looked unclaimed ("queued") all that time.

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** The event recorded when a worker takes the job: whose it is now and what it loads and tokenizes. */
export function preparingLine(workerId: string, baseModel: string, quantization: QuantizationConfig, data: Pick<VersionData, "method" | "train" | "validation">): string {
  const weights = quantization.quant === "nf4" ? `NF4${quantization.doubleQuant ? " with double quantization" : ""}` : "unquantized";
  const units = data.method === "dpo" ? "preference pairs" : "examples";
  const valid = data.validation ? ` and ${unitCount(data.validation)} validation ${units}` : "";
  return `Preparing on ${workerId}: loading ${baseModel} (${weights}) and tokenizing ${unitCount(data.train)} training ${units}${valid}.`;
}

/** Appended to the first training event: where the time before the first step went. */
export function preparedLine(loadMs: number, tokenizeMs: number): string {
  return `Prepared in ${seconds(loadMs + tokenizeMs)}: model loaded in ${seconds(loadMs)}, data tokenized in ${seconds(tokenizeMs)}.`;
}
