import { describeType, formatError, isRecord, optionalString, requireString } from "./fields";
import type { ChatMessage, ConvertResult } from "./types";

/**
 * Alpaca {instruction, input?, output, system?} → one user turn and one assistant turn. The input is the
 * instruction's context, joined after a blank line as in the Alpaca prompt template; an empty input adds nothing.
 */
export function convertAlpaca(record: unknown, line: number): ConvertResult {
  if (!isRecord(record)) return formatError(line, "data_type", `expected a JSON object, got ${describeType(record)}`);
  const instruction = requireString(record, "instruction", line, "Alpaca");
  if (typeof instruction !== "string") return instruction;
  const output = requireString(record, "output", line, "Alpaca");
  if (typeof output !== "string") return output;
  const input = optionalString(record, "input", line);
  if (typeof input !== "string") return input;
  const system = optionalString(record, "system", line);
  if (typeof system !== "string") return system;

  const messages: ChatMessage[] = [];
  if (system.trim() !== "") messages.push({ role: "system", content: system });
  messages.push({ role: "user", content: input.trim() === "" ? instruction : `${instruction}\n\n${input}` });
  messages.push({ role: "assistant", content: output });
  return { kind: "chat", example: { messages } };
}
