import { isRecord, type Rule } from "../types";

// Tool calling (reference §4): assistant `tool_calls` are [{id, type: "function", function: {name, arguments}}]
// with `arguments` a JSON string, and each `tool` message answers the id of a call made earlier in the example.
// Warnings for what is well-formed but teaches the wrong thing: a call of a function the example's tools do not
// offer (the model learns to call what it is never shown; evaluations offer the line's tools, so it cannot be made
// there), and arguments that are not an object (templates and providers take named arguments).

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

/** The function names an example's `tools` define; null when it has none (nothing to check against). */
function definedTools(tools: unknown): Set<string> | null {
  if (!Array.isArray(tools) || tools.length === 0) return null;
  const names = tools.map((t) => (isRecord(t) && isRecord(t.function) ? t.function.name : undefined)).filter((n): n is string => typeof n === "string");
  return new Set(names);
}

export const toolsRule: Rule = {
  name: "tools",
  applies: "chat",
  check({ example, ctx, report }) {
    const issued = new Set<string>();
    const defined = definedTools((example as { tools?: unknown }).tools);
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
          if (problem) {
            report("invalid_tool_call", `line ${ctx.line}: ${at}.tool_calls[${k}] ${problem}`, `${at}.tool_calls[${k}]`);
            return;
          }
          const fn = (call as { id: string; function: { name: string; arguments: string } }).function;
          issued.add((call as { id: string }).id);
          const where = `${at}.tool_calls[${k}]`;
          if (defined && !defined.has(fn.name)) {
            const offered = [...defined].map((n) => JSON.stringify(n)).join(", ") || "none with a name";
            report("undefined_tool", `line ${ctx.line}: ${where} calls ${JSON.stringify(fn.name)}, which the example's tools do not define (they define ${offered}); add its definition to "tools" or fix the name`, `${where}.function.name`);
          }
          const args: unknown = JSON.parse(fn.arguments); // callProblem checked that it parses
          if (!isRecord(args)) {
            report("tool_arguments_not_object", `line ${ctx.line}: ${where}.function.arguments is ${JSON.stringify(fn.arguments)}, not a JSON object; write the arguments by name, e.g. {"city": "Paris"}`, `${where}.function.arguments`);
          }
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
