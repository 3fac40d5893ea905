import OpenAI, { APIConnectionError, APIError } from "openai";
import { separateReasoning, thinkingVariables, withReasoning } from "../../reasoning";
import type { ChatMessage, GenerationSettings } from "../types";
import { callsOfToolCalls, replyText } from "../tool-calls";
import { createLimiter } from "./limiter";
import { costOf, type TokenPrice } from "./price";
import { GenerationError, type Generation, type Generator } from "./types";

// Chat completions through the official SDK (OpenAI itself or any OpenAI-compatible server). The SDK does the
// retrying: 408/409/429/5xx and connection errors with exponential backoff, honouring retry-after(-ms); what
// is left after `maxRetries` becomes a GenerationError carrying the provider's message verbatim. A limiter
// per model keeps at most `concurrency` requests in flight.

/**
 * templateKwargs: the server takes vLLM's `chat_template_kwargs` (an endpoint: model), through which a thinking mode
 * other than "default" reaches the model's template. OpenAI's API takes no such field, so openai: models never send it.
 */
export type RemoteOptions = { client: OpenAI; model: string; label: string; concurrency: number; price: TokenPrice | null; templateKwargs?: boolean };

export function remoteGenerator(opts: RemoteOptions): Generator {
  const limiter = createLimiter(opts.concurrency);
  return {
    label: opts.label,
    generate: (messages: ChatMessage[], settings: GenerationSettings, signal?: AbortSignal, tools?: unknown[] | null) =>
      limiter.run(async (): Promise<Generation> => {
        const started = performance.now();
        let res;
        const kwargs = opts.templateKwargs ? thinkingVariables(settings.thinking) : {};
        try {
          res = await opts.client.chat.completions.create(
            {
              model: opts.model,
              messages: messages.map(asMessageParam),
              ...(tools && tools.length > 0 && { tools: tools as OpenAI.Chat.ChatCompletionTool[] }),
              temperature: settings.temperature,
              top_p: settings.topP,
              max_tokens: settings.maxTokens,
              seed: settings.seed,
              // vLLM's extension; the SDK sends body fields it does not declare as they are.
              ...(Object.keys(kwargs).length > 0 && { chat_template_kwargs: kwargs }),
            },
            { signal },
          );
        } catch (err) {
          throw asGenerationError(err);
        }
        const latencyMs = performance.now() - started;
        const choice = res.choices[0];
        const promptTokens = res.usage?.prompt_tokens ?? 0;
        const completionTokens = res.usage?.completion_tokens ?? 0;
        return {
          // vLLM, SGLang and DeepSeek return a reasoning model's thinking apart from the answer (reasoning_content;
          // newer vLLM and OpenRouter: reasoning); it is kept, in the form a local model writes it.
          // Calls the API returns apart from the content are written after it, as the expected reply's are.
          text: withReasoning(separateReasoning(choice?.message), replyText(choice?.message?.content ?? "", callsOfToolCalls(choice?.message?.tool_calls))),
          finishReason: choice?.finish_reason ?? "stop",
          latencyMs,
          promptTokens,
          completionTokens,
          costUsd: costOf(opts.price, promptTokens, completionTokens),
        };
      }),
  };
}

/** An assistant turn that only called tools has content null in OpenAI's shape (the prompt holds it as ""). */
function asMessageParam(m: ChatMessage): OpenAI.Chat.ChatCompletionMessageParam {
  if (m.role === "assistant" && m.tool_calls && m.content === "") return { ...m, content: null } as OpenAI.Chat.ChatCompletionMessageParam;
  return m as OpenAI.Chat.ChatCompletionMessageParam;
}

function asGenerationError(err: unknown): Error {
  if (err instanceof APIConnectionError) return new GenerationError(err.message, null);
  if (err instanceof APIError) return new GenerationError(err.message, err.status ?? null);
  return err as Error;
}
