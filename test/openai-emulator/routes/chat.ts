import { randomBytes } from "node:crypto";
import { readJson } from "../body";
import { matchRule } from "../chat/control";
import { tokenCount } from "../chat/overlap";
import { answer, fineTunedJob } from "../chat/policy";
import { streamChunks } from "../chat/stream";
import { checkToolMessages, toolCallsOut, toolNames } from "../chat/tools";
import { EmulatorError, notFound } from "../errors";
import type { EmulatorRoute, RouteResult } from "../router";

// POST /v1/chat/completions in OpenAI's shape (ChatCompletion: id "chatcmpl-…", choices[].message with
// refusal null, logprobs null, finish_reason, usage, system_fingerprint). The reply comes from a scripted
// rule when one matches, else from the deterministic policy (chat/policy.ts). max_tokens /
// max_completion_tokens cut the reply (finish_reason "length"); an unknown ft: model is a 404
// model_not_found; a malformed body is a 400 naming the parameter, as OpenAI words them. Tools: chat/tools.ts;
// stream: true answers in chunks (chat/stream.ts).

const ROLES = new Set(["system", "developer", "user", "assistant", "tool", "function"]);
type Msg = { role: string; content: string };

const missing = (param: string) => new EmulatorError(400, `Missing required parameter: '${param}'.`, "invalid_request_error", "missing_required_parameter", param);
const invalidType = (param: string, expected: string, got: unknown) =>
  new EmulatorError(400, `Invalid type for '${param}': expected ${expected}, but got ${Array.isArray(got) ? "an array" : typeof got} instead.`, "invalid_request_error", "invalid_type", param);
const invalidValue = (param: string, message: string) => new EmulatorError(400, message, "invalid_request_error", "invalid_value", param);

function textOf(content: unknown, param: string): string {
  if (typeof content === "string") return content;
  if (content === null || content === undefined) return "";
  if (Array.isArray(content)) return content.map((p) => (p && typeof p === "object" && typeof (p as { text?: unknown }).text === "string" ? (p as { text: string }).text : "")).join("");
  throw invalidType(param, "one of a string or array of objects", content);
}

type Parsed = { model: string; messages: Msg[]; maxTokens: number | null; tools: string[]; stream: boolean; includeUsage: boolean };

function parseBody(body: Record<string, unknown>): Parsed {
  if (body.model === undefined) throw missing("model");
  if (typeof body.model !== "string") throw invalidType("model", "a string", body.model);
  if (body.messages === undefined) throw missing("messages");
  if (!Array.isArray(body.messages)) throw invalidType("messages", "an array", body.messages);
  if (body.messages.length === 0) throw invalidValue("messages", "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.");
  const messages = body.messages.map((m: unknown, i: number) => {
    const role = (m as { role?: unknown } | null)?.role;
    if (role === undefined) throw missing(`messages[${i}].role`);
    if (typeof role !== "string" || !ROLES.has(role)) throw invalidValue(`messages[${i}].role`, `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`);
    return { role, content: textOf((m as { content?: unknown }).content, `messages[${i}].content`) };
  });
  checkToolMessages(body.messages as { role?: unknown }[]);
  const tools = toolNames(body.tools);
  const limit = body.max_completion_tokens ?? body.max_tokens ?? null;
  const param = body.max_completion_tokens !== undefined ? "max_completion_tokens" : "max_tokens";
  if (limit !== null && (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1)) {
    throw invalidValue(param, `Invalid '${param}': integer below minimum value. Expected a value >= 1, but got ${JSON.stringify(limit)} instead.`);
  }
  if (body.temperature !== undefined && (typeof body.temperature !== "number" || body.temperature < 0 || body.temperature > 2)) {
    throw invalidValue("temperature", `Invalid 'temperature': expected a number between 0 and 2, but got ${JSON.stringify(body.temperature)} instead.`);
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== "boolean") throw invalidType("stream", "a boolean", body.stream);
  const stream = body.stream === true;
  if (body.stream_options !== undefined && body.stream_options !== null && !stream) {
    throw new EmulatorError(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.", "invalid_request_error", null, "stream_options");
  }
  const includeUsage = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
  return { model: body.model, messages, maxTokens: limit as number | null, tools, stream, includeUsage };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const chatRoutes: EmulatorRoute[] = [
  {
    method: "POST",
    pattern: "/v1/chat/completions",
    handler: async ({ req, state }): Promise<RouteResult> => {
      const body = await readJson(req);
      const { model, messages, maxTokens, tools, stream, includeUsage } = parseBody(body);
      const kwargs = body.chat_template_kwargs as { enable_thinking?: unknown } | undefined;
      const thinkingOff = kwargs?.enable_thinking === false;
      if (model.startsWith("ft:") && !fineTunedJob(state, model)) {
        throw notFound(`The model \`${model}\` does not exist or you do not have access to it.`, "model", "model_not_found");
      }
      const rule = matchRule(state.chat, model, messages.map((m) => m.content));
      const delay = rule?.delayMs ?? state.chat.latencyMs;
      if (delay > 0) await sleep(delay);
      // A client that hung up (a killed worker) never saw this answer: it is not counted as generated.
      if (req.socket.destroyed) return { drop: true, body: null };
      if (rule?.status !== undefined) {
        const err = new EmulatorError(rule.status, rule.message ?? `Scripted error ${rule.status}.`, rule.status === 429 ? "requests" : rule.status >= 500 ? "server_error" : "invalid_request_error", rule.status === 429 ? "rate_limit_exceeded" : null);
        return { status: rule.status, body: err.toBody(), headers: rule.status === 429 ? { "retry-after": "0" } : {} };
      }
      const answered = rule?.reply !== undefined || rule?.toolCalls !== undefined ? { content: rule.reply ?? "", calls: rule.toolCalls ?? [] } : answer(state, model, messages, tools);
      let content = answered.content;
      // A model calls only the functions the request offers; a scripted call of another one is not made.
      const calls = toolCallsOut(answered.calls.every((c) => tools.includes(c.name)) ? answered.calls : []);
      let finish: "stop" | "length" | "tool_calls" = calls.length > 0 ? "tool_calls" : "stop";
      if (maxTokens !== null && tokenCount(content) > maxTokens) {
        content = content.slice(0, maxTokens * 4);
        finish = "length";
      }
      // The tool definitions are part of the prompt the model reads, and are billed as such.
      const promptTokens = messages.reduce((sum, m) => sum + tokenCount(m.content) + 3, 3) + (tools.length > 0 ? tokenCount(JSON.stringify(body.tools)) : 0);
      // As vLLM serving Qwen3 with chat_template_kwargs {"enable_thinking": false}: the template closes the think block
      // in the prompt, and the model answers without thinking.
      const reasoning = thinkingOff ? undefined : rule?.reasoning;
      const completionTokens = tokenCount(content) + (reasoning ? tokenCount(reasoning) : 0) + calls.reduce((sum, c) => sum + tokenCount(`${c.function.name} ${c.function.arguments}`), 0);
      state.chat.counts[model] = (state.chat.counts[model] ?? 0) + 1;
      const head = { id: `chatcmpl-${randomBytes(15).toString("base64url")}`, created: Math.floor(state.clock.now() / 1000), model };
      const usage = {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      };
      if (stream) {
        return { body: null, stream: { chunks: streamChunks({ head, content, reasoning, calls, finish, usage, includeUsage }), gapMs: state.chat.streamGapMs } };
      }
      return {
        body: {
          id: head.id,
          object: "chat.completion",
          created: head.created,
          model,
          choices: [
            {
              index: 0,
              message: {
                role: "assistant",
                // A reply that only calls tools has content null, as OpenAI returns it.
                content: calls.length > 0 && content === "" ? null : content,
                refusal: null,
                annotations: [],
                ...(calls.length > 0 && { tool_calls: calls }),
                ...(reasoning !== undefined && { reasoning_content: reasoning }),
              },
              logprobs: null,
              finish_reason: finish,
            },
          ],
          usage,
          service_tier: "default",
          system_fingerprint: "fp_emulator",
        },
      };
    },
  },
];
