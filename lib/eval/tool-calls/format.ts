// Tool calls in an evaluation. A sample's expected reply and each model's output are stored as text (what the
// side-by-side view, the diff, the text metrics and the judge read), so a reply that calls tools is written as its
// content followed by one block per call in the form Hermes and Qwen models write them:
//   <tool_call>
//   {"name": "get_weather", "arguments": {"city": "Paris"}}
//   </tool_call>
// The call metrics (match.ts) read calls back from any text with parse.ts, which also knows the other families'
// own formats, so a local model's raw output and a provider's structured tool_calls compare alike.

/** One call: the function's name and its arguments (a JSON object as a rule; a string that was not JSON stays one). */
export type EvalCall = { name: string; arguments: unknown };

/** An OpenAI-format tool call's arguments, a JSON string by the API's rules, read back into a value. */
function argumentsOf(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? {};
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** The calls of an OpenAI-format message's tool_calls ({ function: { name, arguments } }); entries without a name are skipped. */
export function callsOfToolCalls(toolCalls: unknown): EvalCall[] {
  if (!Array.isArray(toolCalls)) return [];
  const calls: EvalCall[] = [];
  for (const c of toolCalls) {
    const fn = (c as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
    if (fn && typeof fn.name === "string") calls.push({ name: fn.name, arguments: argumentsOf(fn.arguments) });
  }
  return calls;
}

/** The calls as <tool_call> blocks, one per call. */
export function formatCalls(calls: EvalCall[]): string {
  return calls.map((c) => `<tool_call>\n{"name": ${JSON.stringify(c.name)}, "arguments": ${JSON.stringify(c.arguments)}}\n</tool_call>`).join("\n");
}

/** A reply as text: its content, then its calls (a call-only reply is its calls alone). */
export function replyText(content: string, calls: EvalCall[]): string {
  if (calls.length === 0) return content;
  return content.trim() === "" ? formatCalls(calls) : `${content}\n${formatCalls(calls)}`;
}
