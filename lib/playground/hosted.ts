import type { PrismaClient } from "@prisma/client";
import type OpenAI from "openai";
import { APIError, APIUserAbortError } from "openai";
import { costOf, lookupPrice } from "../eval/models/price";
import { HttpError } from "../http/errors";
import { sseComment, sseEvent, sseResponse } from "../jobs/live/sse";
import type { GenerationStats, HostedCall, InferenceMessage } from "./channel";
import type { PlaygroundRequest } from "./request";

// The playground for a hosted fine-tune: a succeeded OpenAI job's fine-tuned model (`ft:…`) and the model it was
// trained from, side by side. The web server streams each reply from the API itself with the key kept in Settings
// (it never reaches the browser), in the playground's own message protocol (start, token…, done or error), so the
// page treats both kinds of job alike. Nothing is queued: no GPU worker is involved.

export type HostedPlaygroundDeps = { db: PrismaClient; client: () => Promise<OpenAI>; heartbeatMs?: number };

/** The two models of a hosted job the playground may ask, or a 4xx naming what is wrong. */
export async function hostedJobModels(db: PrismaClient, jobId: string): Promise<{ baseModel: string; fineTunedModel: string }> {
  const job = await db.fineTuneJob.findUnique({ where: { id: jobId }, select: { provider: true, status: true, baseModel: true, fineTunedModel: true } });
  if (!job) throw new HttpError(404, "job_not_found", `hostedJobId: there is no job ${jobId}.`);
  if (job.provider !== "openai") throw new HttpError(400, "not_hosted", `hostedJobId: job ${jobId} trained here; chat with it through adapterJobId.`);
  if (job.status !== "succeeded" || !job.fineTunedModel) {
    throw new HttpError(409, "no_fine_tuned_model", `hostedJobId: job ${jobId} has no fine-tuned model to chat with (it is ${job.status}); wait until it succeeds.`);
  }
  return { baseModel: job.baseModel, fineTunedModel: job.fineTunedModel };
}

async function checkHostedRequest(db: PrismaClient, r: PlaygroundRequest & { hostedJobId: string }): Promise<void> {
  if (r.adapterJobId) throw new HttpError(400, "bad_request", "adapterJobId: a hosted job's models take no adapter; send hostedJobId alone.");
  const { baseModel, fineTunedModel } = await hostedJobModels(db, r.hostedJobId);
  if (r.model !== baseModel && r.model !== fineTunedModel) {
    throw new HttpError(400, "model_not_in_job", `model: job ${r.hostedJobId} offers ${fineTunedModel} and its base ${baseModel}, not ${r.model}.`);
  }
  // The API pairs a tool's result with the id of the call it answers: the page sends the id of the call it answers.
  const orphan = r.messages.findIndex((m) => m.role === "tool" && !m.tool_call_id);
  if (orphan >= 0) throw new HttpError(400, "bad_request", `messages[${orphan}]: a tool result must answer a call, and the reply before it made none; send it as your own message.`);
}

type CallDelta = { index: number; id?: string; function?: { name?: string; arguments?: string } };

/** The calls a stream's tool_calls deltas add up to: each index's id and name, then its arguments in pieces. */
function collectCalls(into: HostedCall[], deltas: CallDelta[] | undefined): void {
  for (const d of deltas ?? []) {
    const call = (into[d.index] ??= { id: "", name: "", arguments: "" });
    call.id += d.id ?? "";
    call.name += d.function?.name ?? "";
    call.arguments += d.function?.arguments ?? "";
  }
}

/** A call-only reply goes back with content null, the shape the API itself returns it in. */
const apiMessage = (m: PlaygroundRequest["messages"][number]) =>
  (m.tool_calls && m.content === "" ? { ...m, content: null } : m) as OpenAI.Chat.ChatCompletionMessageParam;

const FINISH: Record<string, GenerationStats["finishReason"]> = { stop: "stop", length: "length", tool_calls: "tool_calls", content_filter: "stop" };

/** POST /api/playground with hostedJobId: checks (4xx before any stream), then the reply streamed from the API. */
export async function hostedStreamResponse(deps: HostedPlaygroundDeps, r: PlaygroundRequest & { hostedJobId: string }, signal?: AbortSignal): Promise<Response> {
  // At once, as they are independent (each is a round trip to Postgres, before the first token): the checks, the
  // key, and the price the reply is billed at (shown beside it, from the table evaluations use).
  const [, client, price] = await Promise.all([checkHostedRequest(deps.db, r), deps.client(), lookupPrice(deps.db, r.model)]);
  const abort = new AbortController();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const onAbort = () => abort.abort();
      signal?.addEventListener("abort", onAbort);
      const send = (m: InferenceMessage) => {
        try {
          controller.enqueue(sseEvent({ data: m }));
        } catch {
          abort.abort(); // the browser went away
        }
      };
      const started = performance.now();
      let first: number | null = null;
      let finish: GenerationStats["finishReason"] = "cancelled";
      let usage: { prompt_tokens: number; completion_tokens: number } | null = null;
      const calls: HostedCall[] = [];
      // A model that thinks before its first token can leave the connection silent for long: proxies would cut it.
      const heartbeat = setInterval(() => {
        try {
          controller.enqueue(sseComment("ping"));
        } catch {
          abort.abort();
        }
      }, deps.heartbeatMs ?? 15_000);
      try {
        // The API counts the prompt's tokens only at the end (usage); done carries them.
        send({ type: "start", promptTokens: 0, maxTokens: r.maxTokens });
        const stream = await client.chat.completions.create(
          {
            model: r.model,
            messages: r.messages.map(apiMessage),
            ...(r.tools && r.tools.length > 0 && { tools: r.tools as OpenAI.Chat.ChatCompletionTool[] }),
            max_tokens: r.maxTokens,
            temperature: r.temperature,
            top_p: r.topP,
            ...(r.seed !== undefined && { seed: r.seed }),
            stream: true,
            stream_options: { include_usage: true },
          },
          { signal: abort.signal },
        );
        for await (const chunk of stream) {
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const text = choice.delta?.content ?? "";
          if (text) {
            first ??= performance.now();
            send({ type: "token", text });
          }
          collectCalls(calls, choice.delta?.tool_calls as CallDelta[] | undefined);
          if (choice.finish_reason) finish = FINISH[choice.finish_reason] ?? "stop";
        }
        // Stop (the browser went away): the SDK ends the iteration quietly, and nobody is listening for the rest.
        if (abort.signal.aborted) return;
        // The calls go with done, ids and all: the page lists them and answers them by id.
        if (calls.length > 0) first ??= performance.now();
        const ended = performance.now();
        const tokens = usage?.completion_tokens ?? 0;
        send({
          type: "done",
          finishReason: finish,
          tokens,
          promptTokens: usage?.prompt_tokens ?? 0,
          timeToFirstTokenMs: first === null ? null : first - started,
          tokensPerSecond: first !== null && ended - first > 0 && tokens > 0 ? tokens / ((ended - first) / 1000) : null,
          elapsedMs: ended - started,
          backend: "openai",
          costUsd: usage ? costOf(price, usage.prompt_tokens, usage.completion_tokens) : null,
          ...(calls.length > 0 && { toolCalls: calls }),
        });
      } catch (err) {
        if (!(err instanceof APIUserAbortError) && !abort.signal.aborted) send({ type: "error", message: hostedErrorMessage(err) });
      } finally {
        clearInterval(heartbeat);
        signal?.removeEventListener("abort", onAbort);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return sseResponse(body);
}

/** The provider's own words, with its status: what the user needs to fix a key, a model or a quota. */
function hostedErrorMessage(err: unknown): string {
  if (err instanceof APIError) return `OpenAI answered${err.status ? ` ${err.status}` : ""}: ${err.message}`;
  return `OpenAI could not be reached: ${(err as Error).message}`;
}
