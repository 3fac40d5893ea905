import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { z } from "zod";
import { HttpError } from "../http/errors";
import type { LiveHub } from "../jobs/live/hub";
import { sseComment, sseEvent, sseResponse } from "../jobs/live/sse";
import { resolveModelDir } from "../models/resolve";
import type { QueueSet } from "../queue/queues";
import { listWorkers } from "../workers/heartbeat";
import { jobAdapter } from "./adapter";
import { inferenceChannel, parseInferenceMessage, requestCancel, type InferenceMessage } from "./channel";
import { THINKING_MODES } from "../reasoning";
import { toolsSchema } from "../tokenizer/tool-definitions";
import type OpenAI from "openai";
import { openAIClient } from "../providers/openai/client";
import { hostedStreamResponse } from "./hosted";

// POST /api/playground: one reply, streamed as Server-Sent Events. The request is checked here first (model
// inside the models directory, adapter of a succeeded local job trained on that model) so mistakes get a 4xx
// instead of a stream; then the stream subscribes to the request's channel BEFORE enqueueing, so not even
// the first token can be published unheard. It ends with the worker's done/error, or when the browser goes
// away, which sets the cancel key so the worker stops generating for nobody.

const hostedCallSchema = z
  .object({ id: z.string().min(1).max(256), type: z.literal("function"), function: z.object({ name: z.string().min(1).max(256), arguments: z.string().max(100_000) }).strict() })
  .strict();

export const playgroundRequestSchema = z
  .object({
    model: z.string().trim().min(1, "pick a base model").max(256),
    adapterJobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a job id").optional(),
    /** A succeeded OpenAI job: `model` is its fine-tuned model or its base, asked through the API (lib/playground/hosted.ts). */
    hostedJobId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a job id").optional(),
    messages: z
      // "tool": a tool's result, typed by the user after a reply that called it (the template shows it as its family does).
      // tool_calls / tool_call_id: a hosted reply's calls and the result answering one (the API pairs them by id).
      .array(
        z
          .object({
            role: z.enum(["system", "user", "assistant", "tool"]),
            content: z.string().max(100_000),
            tool_calls: z.array(hostedCallSchema).min(1).max(64).optional(),
            tool_call_id: z.string().min(1).max(256).optional(),
          })
          .strict(),
      )
      .min(1, "send at least one message")
      .max(200),
    maxTokens: z.number().int().min(1).max(8192).default(256),
    temperature: z.number().min(0).max(2).default(0),
    topP: z.number().gt(0).max(1).default(1),
    seed: z.number().int().min(0).optional(),
    /** A reasoning model's thinking, where its template has the switch (Qwen3's enable_thinking). */
    thinking: z.enum(THINKING_MODES).default("default"),
    /** OpenAI-format tool definitions, shown to the model through its chat template (lib/tokenizer/tool-definitions.ts). */
    tools: toolsSchema.optional(),
  })
  .strict();
export type PlaygroundRequest = z.infer<typeof playgroundRequestSchema>;

export type PlaygroundStreamDeps = {
  db: PrismaClient;
  hub: LiveHub;
  queues: Pick<QueueSet, "enqueue">;
  /** A short-command connection, for the cancel key. */
  redis: () => Promise<Redis>;
  prefix: string;
  modelsRoot?: string;
  dataRoot?: string;
  /**
   * No word from a worker this long after enqueueing: end with an error that says why. Long by default: the
   * request may wait behind others (one generation at a time) and a big model takes a while to load.
   */
  startTimeoutMs?: number;
  heartbeatMs?: number;
  /** The configured OpenAI client (hostedJobId requests); a 400 when no key is set. */
  openai?: () => Promise<OpenAI>;
};

/** Checks what can be checked without the worker; throws an HttpError (4xx) naming the field. */
export async function checkPlaygroundRequest(db: PrismaClient, r: PlaygroundRequest, opts: { modelsRoot?: string; dataRoot?: string } = {}): Promise<void> {
  // A local model's reply keeps its calls in its text, in its family's format; ids are for the API's replies.
  const structured = r.messages.findIndex((m) => m.tool_calls !== undefined || m.tool_call_id !== undefined);
  if (structured >= 0) throw new HttpError(400, "bad_request", `messages[${structured}]: tool_calls and tool_call_id are for an OpenAI job's models (hostedJobId); a local model's calls stay in its reply's text.`);
  const model = resolveModelDir(r.model, { root: opts.modelsRoot });
  if (!r.adapterJobId) return;
  const adapter = await jobAdapter(db, r.adapterJobId, { dataRoot: opts.dataRoot });
  if (adapter.baseModel !== model.name) {
    throw new HttpError(400, "adapter_base_mismatch", `adapterJobId: job ${r.adapterJobId} was trained on ${adapter.baseModel}, not ${model.name}; pick ${adapter.baseModel} as the base model.`);
  }
}

/** A request nobody will take would wait forever: say so at once, with what to do. */
async function assertInferenceWorker(redis: Redis, prefix: string): Promise<void> {
  const workers = await listWorkers(redis, prefix);
  if (!workers.some((w) => w.queues.includes("inference"))) {
    throw new HttpError(503, "no_inference_worker", "No GPU worker is consuming the inference queue, so nothing would answer. Start one (`npm start` starts one; on its own: `npm start -- --only gpu-worker`) and send again.");
  }
}

export async function playgroundStreamResponse(deps: PlaygroundStreamDeps, r: PlaygroundRequest, signal?: AbortSignal): Promise<Response> {
  if (r.hostedJobId) {
    const client = deps.openai ?? (() => openAIClient({ db: deps.db }));
    return hostedStreamResponse({ db: deps.db, client, heartbeatMs: deps.heartbeatMs }, { ...r, hostedJobId: r.hostedJobId }, signal);
  }
  await checkPlaygroundRequest(deps.db, r, deps);
  await assertInferenceWorker(await deps.redis(), deps.prefix);
  const startTimeoutMs = deps.startTimeoutMs ?? 10 * 60_000;
  const requestId = randomUUID();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      let finished = false;
      let unsubscribe = () => {};
      let heartbeat: ReturnType<typeof setInterval> | undefined;
      let startTimer: ReturnType<typeof setTimeout> | undefined;

      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        clearTimeout(startTimer);
        unsubscribe();
        signal?.removeEventListener("abort", onAbort);
        // The browser left before the reply ended: the worker should stop (or never start).
        if (!finished) void deps.redis().then((redis) => requestCancel(redis, deps.prefix, requestId)).catch(() => undefined);
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      };
      const onAbort = () => close();
      const send = (m: InferenceMessage) => {
        if (closed) return;
        try {
          controller.enqueue(sseEvent({ data: m }));
        } catch {
          close();
          return;
        }
        if (m.type === "start") clearTimeout(startTimer);
        if (m.type === "done" || m.type === "error") {
          finished = true;
          close();
        }
      };

      if (signal?.aborted) return close();
      signal?.addEventListener("abort", onAbort);
      controller.enqueue(sseEvent({ event: "request", data: { requestId } }));
      deps.hub
        .subscribe(inferenceChannel(deps.prefix, requestId), {
          message: (raw) => {
            const m = parseInferenceMessage(raw);
            if (m) send(m);
          },
        })
        .then(async (unsub) => {
          unsubscribe = unsub;
          if (closed) return unsub();
          await deps.queues.enqueue("inference", "playground.generate", { requestId, ...r });
          startTimer = setTimeout(
            () => send({ type: "error", message: `No inference worker took the request within ${Math.round(startTimeoutMs / 1000)} s; the workers may be stuck or busy. Check the status indicator and send again.` }),
            startTimeoutMs,
          );
          heartbeat = setInterval(() => {
            try {
              controller.enqueue(sseComment("ping"));
            } catch {
              close();
            }
          }, deps.heartbeatMs ?? 15_000);
        })
        .catch((err: Error) => send({ type: "error", message: `Could not queue the request: ${err.message}` }));
    },
  });
  return sseResponse(body);
}
