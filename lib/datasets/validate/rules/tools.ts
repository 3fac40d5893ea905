import { isRecord, type Rule } from "../types";

// Tool calling (reference §4): assistant `tool_calls` are [{id, type: "function", function: {name, arguments}}]
// with `arguments` a JSON string, and each `tool` message answers the id of a call made earlier in the example.

function callProblem(call: unknown): string | null {
  if (!isRecord(call)) return "must be an object";
  if (typeof call.id !== "string" || call.id === "") return 'needs a string "id"';
  if (call.type !== "function") return 'needs "type": "function"';
  if (!isRecord(call.function) || typeof call.function.name !== "string" || call.function.name === "") return 'needs "function": {"name": …, "arguments": …}';
  if (typeof call.function.arguments !== "string") return 'needs "function.arguments" as a JSON string (serialize the object)';
  try {
    JSON.parse(call.function.arguments);
  } catch {
    return '"function.arguments" is not valid JSON';
  }
  return null;
}

export const toolsRule: Rule = {
  name: "tools",
  applies: "chat",
  check({ example, ctx, report }) {
    const issued = new Set<string>();
    (example.messages as unknown[]).forEach((m, i) => {
      if (!isRecord(m)) return;
      const at = `messages[${i}]`;
      if (m.role === "assistant" && "tool_calls" in m && m.tool_calls !== null) {
        if (!Array.isArray(m.tool_calls)) {
          report("invalid_tool_call", `line ${ctx.line}: ${at}.tool_calls must be a list of calls`, `${at}.tool_calls`);
          return;
        }
        m.tool_calls.forEach((call, k) => {
          const problem = callProblem(call);
          if (problem) report("invalid_tool_call", `line ${ctx.line}: ${at}.tool_calls[${k}] ${problem}`, `${at}.tool_calls[${k}]`);
          else issued.add((call as { id: string }).id);
        });
      }
      if (m.role === "tool" && "tool_call_id" in m) {
        const id = m.tool_call_id;
        if (typeof id !== "string" || !issued.has(id)) {
          report(
            "unknown_tool_call_id",
            `line ${ctx.line}: ${at}.tool_call_id ${JSON.stringify(id)} answers no earlier assistant tool call; use the "id" of a call in a preceding assistant message`,
            `${at}.tool_call_id`,
          );
        }
      }
    });
  },
};
