import { describeType, formatError, isRecord } from "./fields";
import type { ChatMessage, ConvertResult } from "./types";

// ShareGPT speakers → OpenAI roles. "user"/"assistant" appear in many re-exports of ShareGPT data, so they
// are accepted as well. A tool turn has no tool_call_id in ShareGPT; the validator reports that if it matters.
const ROLE_BY_SPEAKER: Record<string, string> = {
  human: "user",
  user: "user",
  gpt: "assistant",
  assistant: "assistant",
  system: "system",
  tool: "tool",
};

/** ShareGPT {conversations: [{from, value}], system?} → chat messages in order. */
export function convertShareGpt(record: unknown, line: number): ConvertResult {
  if (!isRecord(record)) return formatError(line, "data_type", `expected a JSON object, got ${describeType(record)}`);
  const turns = record.conversations;
  if (turns === undefined) return formatError(line, "missing_field", `ShareGPT record has no "conversations" list; add one`);
  if (!Array.isArray(turns)) return formatError(line, "invalid_field", `"conversations" must be a list, got ${describeType(turns)}`);
  if (turns.length === 0) return formatError(line, "empty_conversation", `"conversations" is empty; add the human and gpt turns`);

  const messages: ChatMessage[] = [];
  if (typeof record.system === "string" && record.system.trim() !== "") messages.push({ role: "system", content: record.system });
  for (const [i, turn] of turns.entries()) {
    const where = `conversations[${i}]`;
    if (!isRecord(turn)) return formatError(line, "invalid_field", `${where} must be an object with "from" and "value", got ${describeType(turn)}`);
    if (typeof turn.from !== "string") return formatError(line, "missing_field", `${where} has no "from" string; use human, gpt, system or tool`);
    const role = ROLE_BY_SPEAKER[turn.from.toLowerCase()];
    if (!role) return formatError(line, "unrecognized_role", `${where}.from is "${turn.from}"; use human, gpt, system or tool`);
    if (typeof turn.value !== "string") {
      return formatError(line, "invalid_field", `${where}.value must be a string, got ${describeType(turn.value)}`);
    }
    messages.push({ role, content: turn.value });
  }
  return { kind: "chat", example: { messages } };
}
