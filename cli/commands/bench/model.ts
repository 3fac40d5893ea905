import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NativeAddon, NativeModel } from "../../../native/index";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { UsageError } from "../../args";
import type { CliContext } from "../../command";
import { choiceOption, openModel, requireModelDir, type ModelLoadValues } from "../../native/options";

// What every benchmark runs on: --model DIR, or a seeded preset model (--preset small|tiny, default small)
// generated into a temporary folder; opened with the load flags (NF4 by default), then closed and the folder
// removed when the benchmark ends, whatever happens.

export type BenchModelValues = ModelLoadValues & { model?: string; preset?: string };
/** `loadSeconds`: opening the model (reading the safetensors, quantizing the frozen weights, on the GPU the upload). */
export type BenchModel = { addon: NativeAddon; model: NativeModel; label: string; tmp: string; loadSeconds: number };

export async function withBenchModel<T>(ctx: CliContext, v: BenchModelValues, log: (text: string) => void, run: (m: BenchModel) => Promise<T>): Promise<T> {
  if (v.model && v.preset) throw new UsageError("bench: give --model or --preset, not both");
  const preset = choiceOption("bench", "preset", v.preset, ["small", "tiny"] as const, "small");
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-bench-"));
  try {
    let modelDir: string;
    if (v.model) modelDir = requireModelDir("bench", v.model);
    else {
      modelDir = writeTinyModel({ dir: path.join(tmp, "model"), preset, seed: 0 }).dir;
      log(`generated the ${preset} preset model in ${modelDir}`);
    }
    const t0 = performance.now();
    const { addon, model } = await openModel("bench", ctx.root, modelDir, v, "nf4");
    const loadSeconds = (performance.now() - t0) / 1000;
    try {
      return await run({ addon, model, label: v.model ? modelDir : `preset ${preset}`, tmp, loadSeconds });
    } finally {
      model.close();
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * A measured rate for the report: 4 significant digits. Fixed decimals would print a slow machine's figures
 * (the CUDA emulator's 0.003 GB/s of weights read) as 0, and a fast one's no more usefully.
 */
export const figure = (x: number): number => Number(x.toPrecision(4));
