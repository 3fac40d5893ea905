import { hasSeparateReasoning, thinkingIntoContent } from "../../reasoning";
import { describeType, formatError, isRecord } from "./fields";
import type { ConvertResult } from "./types";

/**
 * OpenAI chat JSONL is already the target shape. The record is returned as is — same object, same key order —
 * so JSON.stringify of what is stored reproduces a compact input line byte for byte (the round-trip
 * requirement). Roles, weight, tool_calls, tools, parallel_tool_calls and image parts are the validator's job.
 *
 * One exception: an assistant message with its thinking in `reasoning_content` (what vLLM and DeepSeek return for a
 * reasoning model, so what their logs and distillation sets hold; `reasoning` in newer vLLM and OpenRouter). OpenAI
 * takes no such key, so as it is the line would only be an error. Its thinking moves into the content as the
 * leading `<think>…</think>` block reasoning models write (lib/reasoning.ts), the form Qwen3's chat template reads
 * and evaluation stores; only such lines change.
 */
export function convertOpenAiChat(record: unknown, line: number): ConvertResult {
  if (!isRecord(record)) return formatError(line, "data_type", `expected a JSON object, got ${describeType(record)}`);
  if (!("messages" in record)) return formatError(line, "missing_field", `chat example has no "messages" list; add one`);
  const messages = record.messages;
  if (!Array.isArray(messages)) {
    return formatError(line, "invalid_field", `"messages" must be a list of messages, got ${describeType(messages)}`);
  }
  if (messages.length === 0) return formatError(line, "empty_conversation", `"messages" is empty; add at least a user and an assistant message`);
  if (messages.some(hasSeparateReasoning)) return { kind: "chat", example: { ...record, messages: messages.map(thinkingIntoContent) } };
  return { kind: "chat", example: record as typeof record & { messages: unknown[] } };
}
