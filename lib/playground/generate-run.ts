import os from "node:os";
import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import type { NativeAddon } from "../../native/index";
import { HttpError } from "../http/errors";
import { resolveModelDir } from "../models/resolve";
import type { Payload } from "../queue/contracts";
import { chatTokenizerFor } from "../models/chat-cache";
import { generateText } from "../tokenizer/generate";
import { jobAdapter } from "./adapter";
import { isCancelled, publishInference, type InferenceMessage } from "./channel";
import { describeModel, type LocalModel } from "../models/scan";
import { replyDeviceBytes, replyHostBytes } from "../models/device-need";
import { cpuFallback, deviceShare } from "../workers/device-share";
import { isModelCached, ModelWaitAborted, withCachedModel, workerPlacement, type ModelPlacement } from "./model-cache";
import { thinkingVariables } from "../reasoning";

// One playground reply on the inference worker: resolve the model (confined to the models directory) and
// the adapter (a succeeded local job's), render the chat with the model's template plus the assistant
// prompt, generate with the cached base model, and publish each newly decoded piece of text. Stop (the
// request's cancel key) and worker shutdown both end generation at the next token.

export type PlaygroundDeps = {
  db: PrismaClient;
  redis: Redis;
  prefix: string;
  log: { warn(message: string): void };
  signal?: AbortSignal;
  addon?: () => NativeAddon;
  modelsRoot?: string;
  dataRoot?: string;
  /** How often the cancel key is checked while generating. */
  cancelPollMs?: number;
};

export type PlaygroundPayload = Payload<"inference", "playground.generate">;

/** Shown under a reply that waited for another generation on its model (an evaluation's batch on this worker). */
export const WAITED_NOTE = "Waited for an evaluation's batch generating on this model on the same worker.";

/**
 * Runs `reply` where it should run: as the worker is configured (TUNEFORGE_LOCAL_BACKEND), except on the CPU while
 * a training run or an evaluation holds the device and the reply would not fit beside it
 * (lib/workers/device-share.ts); `note` then says so. When host RAM cannot take it either, the reply fails with both
 * reasons.
 */
async function runPlaced<T>(model: { name: string; dir: string }, tokens: { prompt: number; max: number }, reply: (placement: ModelPlacement, note?: string) => Promise<T>): Promise<T> {
  const configured = workerPlacement();
  if (configured.backend === "cpu") return reply(configured);
  const share = deviceShare();
  // The model's shape is read only while a job holds the device (a big model's shard headers are not free to
  // read), and the need read again if a job came or went meanwhile: placing on a stale figure could squeeze a run
  // that just began.
  let described: LocalModel | null = null;
  let need = 0;
  const context = () => Math.min(tokens.prompt + tokens.max, described?.contextLength ?? tokens.prompt + tokens.max);
  for (;;) {
    const job = share.heldBy;
    if (job) described ??= await describeModel(model);
    need = described && job ? replyDeviceBytes(described, { prompt: tokens.prompt, context: context() }, isModelCached(model.name, model.dir, configured.backend)) : 0;
    if (share.heldBy === job) break;
  }
  return share.withReply(need, async (placed) => {
    if (placed.onDevice) return reply(configured);
    described ??= await describeModel(model);
    const hostNeed = replyHostBytes(described, { prompt: tokens.prompt, context: context() }, isModelCached(model.name, model.dir, "cpu"));
    const fallback = cpuFallback(placed.because, hostNeed, os.freemem());
    if ("error" in fallback) throw new HttpError(503, "gpu_busy", fallback.error);
    return reply({ ...configured, backend: "cpu" }, fallback.note);
  }, { name: model.name, dir: model.dir });
}

export async function runPlaygroundGeneration(deps: PlaygroundDeps, p: PlaygroundPayload): Promise<{ outcome: "done" | "error" | "cancelled" }> {
  const publish = (m: InferenceMessage) => publishInference(deps.redis, deps.prefix, p.requestId, m);
  // performance.now(): a tiny model decodes a short reply within one millisecond, where Date.now() would read 0 ms
  // between the first and last token and leave the rate unknown.
  const t0 = performance.now();
  if (await isCancelled(deps.redis, deps.prefix, p.requestId)) return { outcome: "cancelled" };

  const stop = new AbortController();
  const onShutdown = () => stop.abort();
  deps.signal?.addEventListener("abort", onShutdown, { once: true });
  const poll = setInterval(() => {
    void isCancelled(deps.redis, deps.prefix, p.requestId).then((yes) => yes && stop.abort(), () => undefined);
  }, deps.cancelPollMs ?? 150);
  try {
    const model = resolveModelDir(p.model, { root: deps.modelsRoot });
    let adapterDir: string | undefined;
    if (p.adapterJobId) {
      const adapter = await jobAdapter(deps.db, p.adapterJobId, { dataRoot: deps.dataRoot });
      if (adapter.baseModel !== model.name) {
        throw new HttpError(400, "adapter_base_mismatch", `Job ${p.adapterJobId} was trained on ${adapter.baseModel}, not ${model.name}; its adapter fits only that model.`);
      }
      adapterDir = adapter.dir;
    }
    const chat = chatTokenizerFor(model.dir);
    const prompt = chat.encode(chat.render(p.messages, { addGenerationPrompt: true, tools: p.tools, variables: thinkingVariables(p.thinking) }));
    return await runPlaced(model, { prompt: prompt.length, max: p.maxTokens }, async (placement, note) => {
      // Said before the model loads (a big one takes a while), so the browser knows a worker has it, and where.
      await publish({ type: "start", promptTokens: prompt.length, maxTokens: p.maxTokens, ...(note ? { note } : {}) });
      // An evaluation with a local side may be generating a batch on this very model (same worker, same base): the
      // reply waits its turn, and says so, rather than failing on the busy model.
      const waited = () => void publish({ type: "start", promptTokens: prompt.length, maxTokens: p.maxTokens, note: [note, WAITED_NOTE].filter(Boolean).join(" ") }).catch(() => undefined);
      const cancelledWhileWaiting = async () => {
        await publish({ type: "done", finishReason: "cancelled", tokens: 0, promptTokens: prompt.length, timeToFirstTokenMs: null, tokensPerSecond: null, elapsedMs: Math.round(performance.now() - t0) });
        return { outcome: "cancelled" as const };
      };
      return await withCachedModel(model.name, model.dir, async (native) => {
        const room = native.info().maxPositionEmbeddings - prompt.length;
        if (room <= 0) throw new HttpError(400, "prompt_too_long", `The conversation is ${prompt.length} tokens; ${model.name} reads at most ${native.info().maxPositionEmbeddings}. Clear the chat or shorten the system prompt.`);
        // The context window bounds the reply.
        const maxTokens = Math.min(p.maxTokens, room);

        let first: number | null = null;
        const [result] = await generateText(native, chat, [prompt], {
          maxTokens,
          temperature: p.temperature,
          topP: p.topP,
          seed: p.seed ?? 0,
          adapterDir,
          signal: stop.signal,
          onText: (_i, text) => {
            first ??= performance.now();
            void publish({ type: "token", text });
          },
        });
        const count = result!.tokens.length;
        const end = performance.now();
        const generating = first === null ? 0 : (end - first) / 1000;
        await publish({
          type: "done",
          finishReason: result!.finishReason,
          tokens: count,
          promptTokens: prompt.length,
          timeToFirstTokenMs: first === null ? null : Math.round(first - t0),
          // The first token's arrival starts the clock, so the rate counts the tokens after it.
          tokensPerSecond: count > 1 && generating > 0 ? (count - 1) / generating : null,
          elapsedMs: Math.round(end - t0),
          backend: native.info().backend,
        });
        return { outcome: result!.finishReason === "cancelled" ? ("cancelled" as const) : ("done" as const) };
      }, { addon: deps.addon, placement, onWait: waited, signal: stop.signal }).catch((err: unknown) => {
        // A Stop (or shutdown) while the reply still waited for the model: nothing was generated.
        if (err instanceof ModelWaitAborted) return cancelledWhileWaiting();
        throw err;
      });
    });
  } catch (err) {
    const message = err instanceof HttpError ? err.message : `Generation failed: ${(err as Error).message}`;
    if (!(err instanceof HttpError)) deps.log.warn(`[playground] request ${p.requestId}: ${(err as Error).message}`);
    await publish({ type: "error", message });
    return { outcome: "error" };
  } finally {
    clearInterval(poll);
    deps.signal?.removeEventListener("abort", onShutdown);
  }
}
