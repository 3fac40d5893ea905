import type { PrismaClient } from "@prisma/client";
import { chatTokenizerFor } from "../models/chat-cache";
import { evalDeviceBytes } from "../models/device-need";
import { describeModel } from "../models/scan";
import { resolveModelSpec } from "./models";
import { needsBaseline, needsCandidate } from "./run/sample";
import { generationSchema, type ChatMessage } from "./types";
import type { DeviceModel } from "../workers/device-share";

// How much of a GPU worker's device an evaluation with a local side will hold, for sharing the device with
// playground replies (lib/workers/device-share.ts), as a training run does: null when no side runs on this
// machine's trainer, Infinity when it cannot be told (the run itself reports a broken spec or model).

/** `models`: the local models it generates with (base name and folder; adapters are small and not counted). */
export type EvalDeviceReserve = { bytes: number; models: DeviceModel[] };

export async function evalDeviceReserve(db: PrismaClient, evalRunId: string, opts: { modelsRoot?: string; dataRoot?: string } = {}): Promise<EvalDeviceReserve | null> {
  const run = await db.evalRun.findUnique({ where: { id: evalRunId } });
  // A finished run (a re-delivered queue job) generates nothing; runEval skips it.
  if (!run || (run.status !== "queued" && run.status !== "running")) return null;
  // Each local model with the sides it generates for (baseline and candidate may share one).
  const models = new Map<string, DeviceModel & { sides: ("baseline" | "candidate")[] }>();
  try {
    for (const [field, spec] of [["candidate", run.candidateSpec], ["baseline", run.baselineSpec]] as const) {
      const m = await resolveModelSpec(spec, { db, modelsRoot: opts.modelsRoot, dataRoot: opts.dataRoot, field });
      if (m.where !== "local") continue;
      const entry = models.get(m.modelDir) ?? { name: m.model, dir: m.modelDir, sides: [] };
      entry.sides.push(field);
      models.set(m.modelDir, entry);
    }
  } catch {
    return { bytes: Infinity, models: [] };
  }
  const held = [...models.values()].map(({ name, dir }) => ({ name, dir }));
  if (held.length === 0) return null;
  try {
    const settings = generationSchema.parse(run.generation ?? {});
    const rows = await db.evalSample.findMany({
      where: { evalRunId },
      select: { prompt: true, baselineOutput: true, baselineError: true, candidateOutput: true, candidateError: true },
    });
    let bytes = 0;
    for (const m of models.values()) {
      // Only the prompts this model still has to answer (runEval's own test): a resumed run needs no room for the
      // ones it has done, nor for a remote side's.
      const todo = rows.filter((r) => m.sides.some((side) => (side === "baseline" ? needsBaseline(r) : needsCandidate(r))));
      if (todo.length === 0) continue;
      const chat = chatTokenizerFor(m.dir);
      const longest = todo.reduce((n, r) => Math.max(n, promptTokens(chat, r.prompt as ChatMessage[])), 0);
      const described = await describeModel(m);
      const context = Math.min(longest + settings.maxTokens, described.contextLength ?? Infinity);
      bytes += evalDeviceBytes(described, { prompt: longest, context, sequences: Math.min(run.concurrency, todo.length) });
    }
    // Nothing left to generate locally (a resumed run that only judges, or only a remote side is left): no local
    // model is loaded.
    return bytes === 0 ? null : { bytes, models: held };
  } catch {
    return { bytes: Infinity, models: held };
  }
}

/** A prompt's tokens with the model's template, or 0 for one it cannot render: runEval fails that sample alone. */
function promptTokens(chat: ReturnType<typeof chatTokenizerFor>, messages: ChatMessage[]): number {
  try {
    return chat.encode(chat.render(messages, { addGenerationPrompt: true })).length;
  } catch {
    return 0;
  }
}
