import { describeType, formatError, isRecord, requireString } from "./fields";
import type { ConvertResult } from "./types";

/**
 * Legacy prompt/completion JSONL → user = prompt, assistant = completion. Text is kept verbatim (separators
 * like "\n\n###\n\n" included): what the model should learn is the user's call, not the converter's.
 */
export function convertPromptCompletion(record: unknown, line: number): ConvertResult {
  if (!isRecord(record)) return formatError(line, "data_type", `expected a JSON object, got ${describeType(record)}`);
  const prompt = requireString(record, "prompt", line, "prompt/completion");
  if (typeof prompt !== "string") return prompt;
  const completion = requireString(record, "completion", line, "prompt/completion");
  if (typeof completion !== "string") return completion;
  return {
    kind: "chat",
    example: {
      messages: [
        { role: "user", content: prompt },
        { role: "assistant", content: completion },
      ],
    },
  };
}
