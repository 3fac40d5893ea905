import type { NativeAddon } from "../../../native/index";
import { withCachedModel } from "../../playground/model-cache";
import { chatTokenizerFor } from "../../models/chat-cache";
import { thinkingVariables } from "../../reasoning";
import { generateText } from "../../tokenizer/generate";
import type { ChatMessage, GenerationSettings } from "../types";
import { callsOfToolCalls } from "../tool-calls";
import { createLimiter } from "./limiter";
import { GenerationError, type Generation, type Generator } from "./types";

// Generation on this worker's trainer. Prompts that arrive together are batched, up to `batchSize` (the run's
// concurrency) per native call: one forward pass serves the whole batch, which is where a CPU or GPU gets its
// throughput. A loaded model runs one operation at a time, so every local generator of the process (baseline
// and candidate often share a base model, differing only in the adapter) goes through one lock. Cost is 0.

export type LocalOptions = { model: string; modelDir: string; adapterDir?: string; label: string; batchSize: number; addon?: () => NativeAddon };

type Pending = { prompt: number[]; settings: GenerationSettings; resolve: (g: Generation) => void; reject: (e: Error) => void };

// One native operation at a time in this process.
const device = createLimiter(1);

/**
 * The earlier calls of a prompt must be in its rendering: a template that writes no tool_calls (Gemma 3's, plain
 * ChatML) would show the model a conversation where it said nothing, and training refuses such data for the same reason.
 */
function expectCallsShown(messages: ChatMessage[], text: string): void {
  messages.forEach((m, i) => {
    const missing = callsOfToolCalls(m.tool_calls).filter((c) => !text.includes(c.name));
    if (missing.length > 0) {
      throw new Error(`messages[${i}] calls ${missing.map((c) => JSON.stringify(c.name)).join(", ")}, but the template does not write tool_calls, so the model would not see the call`);
    }
  });
}

export function localGenerator(opts: LocalOptions): Generator {
  const chat = chatTokenizerFor(opts.modelDir);
  const pending: Pending[] = [];
  let scheduled = false;

  async function runBatch(batch: Pending[]): Promise<void> {
    const started = performance.now();
    let fits: Pending[] = [];
    try {
      // The cached model is shared with the playground, which the same GPU worker serves between eval batches:
      // withCachedModel gives each its turn on the model (it runs one operation at a time).
      const results = await withCachedModel(opts.model, opts.modelDir, async (native) => {
        const window = native.info().maxPositionEmbeddings;
        fits = batch.filter((p) => {
          if (p.prompt.length < window) return true;
          p.reject(new GenerationError(`The prompt is ${p.prompt.length} tokens; ${opts.model} reads at most ${window}.`));
          return false;
        });
        if (fits.length === 0) return [];
        const s = fits[0]!.settings;
        const longest = Math.max(...fits.map((p) => p.prompt.length));
        return generateText(native, chat, fits.map((p) => p.prompt), {
          maxTokens: Math.min(s.maxTokens, window - longest),
          temperature: s.temperature,
          topP: s.topP,
          seed: s.seed,
          adapterDir: opts.adapterDir,
        });
      }, { addon: opts.addon });
      // Each prompt waited for the whole batch: that is its latency as a caller sees it.
      const latencyMs = performance.now() - started;
      results.forEach((r, i) => {
        const p = fits[i]!;
        p.resolve({ text: r.text, finishReason: r.finishReason, latencyMs, promptTokens: p.prompt.length, completionTokens: r.tokens.length, costUsd: 0 });
      });
    } catch (err) {
      for (const p of batch) p.reject(new GenerationError(`Local generation failed: ${(err as Error).message}`));
    }
  }

  function drain(): void {
    scheduled = false;
    while (pending.length > 0) {
      const batch = pending.splice(0, opts.batchSize);
      void device.run(() => runBatch(batch));
    }
  }

  return {
    label: opts.label,
    generate(messages: ChatMessage[], settings: GenerationSettings, _signal?: AbortSignal, tools?: unknown[] | null): Promise<Generation> {
      return new Promise<Generation>((resolve, reject) => {
        let prompt: number[];
        try {
          // The tools go through the model's own template, as in training; its calls come back in its own format in the text.
          const text = chat.render(messages, { addGenerationPrompt: true, tools: tools ?? undefined, variables: thinkingVariables(settings.thinking) });
          expectCallsShown(messages, text);
          prompt = chat.encode(text);
        } catch (err) {
          reject(new GenerationError(`Cannot render the prompt with ${opts.model}'s chat template: ${(err as Error).message}`));
          return;
        }
        pending.push({ prompt, settings, resolve, reject });
        // Wait one turn of the event loop so the prompts the runner starts together share a batch.
        if (!scheduled) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
  };
}
