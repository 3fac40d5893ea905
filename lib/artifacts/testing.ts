import { loadNativeAddon, type TrainResult } from "../../native/index";
import { colorTask, type ChatLine } from "../testing/tiny-model/task";
import { loadChatTokenizer, tokenizeDataset } from "../tokenizer";

// Test-only: a real PEFT adapter trained with the native addon on a generated tiny model, for the artifact
// and playground tests (int and e2e). A few steps on the CPU backend; the adapter changes the model's output.

export async function trainTinyAdapter(opts: { modelDir: string; outDir: string; epochs?: number; lr?: number; checkpointEvery?: number; seed?: number; task?: ChatLine[]; maxSeqLen?: number }): Promise<TrainResult> {
  const chat = loadChatTokenizer(opts.modelDir);
  const lines = (opts.task ?? colorTask(16)).map((ex, i) => ({ ...ex, line: i + 1 }));
  const examples = tokenizeDataset(chat, lines, { maxSeqLen: opts.maxSeqLen ?? 128, file: "color-task" }).examples;
  const model = await loadNativeAddon().loadModel({ modelDir: opts.modelDir, quant: "nf4", backend: "cpu" });
  try {
    return await model.train(examples, null, {
      outDir: opts.outDir,
      lora: { rank: 8, alpha: 16, dropout: 0, targets: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"] },
      epochs: opts.epochs ?? 4,
      batchSize: 4,
      gradAccum: 1,
      lr: opts.lr ?? 1e-2,
      warmupRatio: 0,
      seed: opts.seed ?? 1,
      checkpointEvery: opts.checkpointEvery ?? 0,
    });
  } finally {
    model.close();
  }
}
