import { randomBytes } from "node:crypto";
import { EmulatorError } from "../errors";

// Function calling as /v1/chat/completions does it: `tools` checked as OpenAI checks them (an array of
// {type: "function", function: {name, ...}}, names matching ^[a-zA-Z0-9_-]+$ up to 64 characters), the order of
// calls and results in `messages` enforced (a tool message answers a call of the assistant turn before it; an
// assistant turn's every call is answered before the conversation goes on), and a reply's calls returned as
// message.tool_calls with arguments as a JSON string, content null, finish_reason "tool_calls".

export type EmulatedCall = { name: string; arguments: unknown };

const invalid = (param: string, message: string, code = "invalid_value") => new EmulatorError(400, message, "invalid_request_error", code, param);

/** The names of the offered functions (empty without tools). */
export function toolNames(tools: unknown): string[] {
  if (tools === undefined) return [];
  if (!Array.isArray(tools)) throw invalid("tools", `Invalid type for 'tools': expected an array of objects, but got ${typeof tools} instead.`, "invalid_type");
  return tools.map((t: unknown, i) => {
    const tool = (t ?? {}) as { type?: unknown; function?: { name?: unknown } };
    if (tool.type !== "function") throw invalid(`tools[${i}].type`, `Invalid value: '${String(tool.type)}'. Supported values are: 'function' and 'custom'.`);
    if (!tool.function || typeof tool.function !== "object") throw invalid(`tools[${i}].function`, `Missing required parameter: 'tools[${i}].function'.`, "missing_required_parameter");
    const name = tool.function.name;
    if (typeof name !== "string" || !/^[a-zA-Z0-9_-]{1,64}$/.test(name)) {
      throw invalid(`tools[${i}].function.name`, `Invalid 'tools[${i}].function.name': string does not match pattern. Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.`);
    }
    return name;
  });
}

type RawMessage = { role?: unknown; tool_calls?: unknown; tool_call_id?: unknown };

/** OpenAI's ordering rules for calls and their results, with its wording. */
export function checkToolMessages(messages: RawMessage[]): void {
  let open: string[] = [];
  let openAt = -1;
  messages.forEach((m, i) => {
    if (m.role === "tool") {
      const id = m.tool_call_id;
      if (typeof id !== "string") throw invalid(`messages[${i}].tool_call_id`, `Missing required parameter: 'messages[${i}].tool_call_id'.`, "missing_required_parameter");
      if (openAt < 0) throw invalid(`messages.[${i}].role`, "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.");
      open = open.filter((x) => x !== id);
      return;
    }
    if (open.length > 0) {
      throw invalid(`messages.[${openAt}].role`, `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(", ")}`);
    }
    openAt = -1;
    if (m.role === "assistant" && Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
      open = m.tool_calls.map((c: unknown) => String((c as { id?: unknown } | null)?.id));
      openAt = i;
    }
  });
  if (open.length > 0) {
    throw invalid(`messages.[${openAt}].role`, `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${open.join(", ")}`);
  }
}

/** The calls of a training example's assistant turn ({function: {name, arguments: "<JSON>"}}). */
export function callsOfExample(toolCalls: unknown): EmulatedCall[] {
  if (!Array.isArray(toolCalls)) return [];
  return toolCalls.flatMap((c: unknown) => {
    const fn = (c as { function?: { name?: unknown; arguments?: unknown } } | null)?.function;
    if (!fn || typeof fn.name !== "string") return [];
    let args: unknown = fn.arguments ?? {};
    if (typeof args === "string") {
      try {
        args = JSON.parse(args);
      } catch {
        // the job's file check refuses such lines; keep the string
      }
    }
    return [{ name: fn.name, arguments: args }];
  });
}

/** message.tool_calls as the API returns them. */
export function toolCallsOut(calls: EmulatedCall[]) {
  return calls.map((c) => ({
    id: `call_${randomBytes(18).toString("base64url").slice(0, 24)}`,
    type: "function" as const,
    function: { name: c.name, arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments) },
  }));
}
