import path from "node:path";
import { withAbort, type StepReport, type TrainOptions } from "../../native/index";
import { LORA_TARGETS } from "../../lib/jobs/local/config";
import { methodOfJsonl, parseSplit, type LocalMethod } from "../../lib/jobs/local/run/data";
import { preparedLine } from "../../lib/jobs/local/run/preparing";
import { stoppingLine } from "../../lib/jobs/local/run/stopping";
import { skippedNote, type TokenizedSplit } from "../../lib/jobs/local/run/tokenize";
import { tokenizeSplitOnThreads, tokenizeThreadCount } from "../../lib/jobs/local/run/tokenize-threads";
import { loadChatTokenizer, readDataFile } from "../../lib/tokenizer";
import { parseCommandOptions, UsageError } from "../args";
import type { Command } from "../command";
import { choiceOption, MODEL_LOAD_OPTIONS, MODEL_LOAD_USAGE, numberOption, openModel, requireModelDir, requireOption, TRAINING_FLAGS } from "../native/options";
import { jsonStepLine, textStepLine } from "../native/progress";
import { stepProfileLine } from "../../lib/models/step-profile";

// tuneforge train – QLoRA/LoRA fine-tuning on chat JSONL (supervised) or on preference pairs (DPO) with the native
// trainer; writes a PEFT adapter. Defaults are the seed's (r 16, alpha 32, dropout 0.05, q/k/v/o, 3 epochs,
// batch 4 × accum 4, lr 2e-4); DPO's beta is TRL's (0.1).
const USAGE = [
  "Usage: tuneforge train --model DIR --data FILE.jsonl --out DIR [options]",
  "",
  "Trains a LoRA adapter on chat examples ({\"messages\": [...]} per line). The model's chat template renders",
  "each example and only assistant replies are trained on (messages with \"weight\": 0 are skipped).",
  "",
  "A file of preference pairs (OpenAI's DPO format: {\"input\": {\"messages\"}, \"preferred_output\",",
  "\"non_preferred_output\"} per line) trains with DPO instead, against the base model as the frozen reference:",
  "the loss starts at ln 2, and each step reports the reward accuracy and margin. Batch size counts pairs.",
  "",
  "Options:",
  "  --validation FILE.jsonl  held-out examples; their loss is reported (valid_loss)",
  ...MODEL_LOAD_USAGE.map((l) => l.replace("frozen base weights are held in memory", "frozen base weights are held in memory (default nf4)")),
  "  --rank 16 --alpha 32 --dropout 0.05 --rslora --targets q_proj,k_proj,v_proj,o_proj   LoRA",
  "                          (Phi-3 / Phi-4: q,k,v and gate,up together, or their fused qkv_proj, gate_up_proj;",
  "                          GLM-4: gate,up together, or gate_up_proj)",
  "  --epochs 3 --batch-size 4 --grad-accum 4 --lr 2e-4 --weight-decay 0.01",
  "  --schedule cosine|linear|constant --warmup-ratio 0.03 --max-grad-norm 1.0",
  "  --max-seq-len 2048      longer examples are truncated (reported)",
  "  --seed 0                same seed, same data → same adapter",
  "  --eval-every N          optimizer steps between validation passes (default: each epoch)",
  "  --checkpoint-every N    optimizer steps between checkpoints (default: each epoch)",
  "  --early-stopping-patience N  stop once N validation passes in a row have not lowered the best",
  "                          validation loss (by more than --early-stopping-threshold X, default 0); needs --validation",
  "  --keep-best             the adapter is the step with the lowest validation loss, not the last; needs --validation",
  "  --resume DIR            continue from a checkpoint folder (out/checkpoints/step-N)",
  "  --packing               pack examples into max-seq-len rows",
  "  --gradient-checkpointing  recompute activations in backward (less memory)",
  "  --dpo-beta 0.1          DPO only: how far the adapter may move from the reference (TRL's beta)",
  "  --json                  one JSON object per optimizer step, then {\"done\": true, ...}",
  "",
  "The run's second step is timed by phase (frozen matmuls, LoRA, attention, ...) and said once: a line on",
  "stderr, and profile_ms in that step's JSON object.",
  "",
  "Ctrl-C stops at the next step and keeps the last checkpoint; a second Ctrl-C exits at once.",
  "",
].join("\n");

// Phi-3's and GLM-4's fused modules by their own names too, and LFM2's (the trainer refuses them, saying so, on a
// model without them).
const TARGETS: readonly string[] = [...LORA_TARGETS, "qkv_proj", "gate_up_proj", "out_proj", "in_proj", "w1", "w2", "w3"];

export const trainCommand: Command = {
  name: "train",
  summary: "fine-tune a LoRA adapter on chat JSONL with the native trainer",
  usage: USAGE,
  async run(args, ctx) {
    const { values: v } = parseCommandOptions("train", args, {
      model: { type: "string" },
      data: { type: "string" },
      validation: { type: "string" },
      out: { type: "string" },
      ...MODEL_LOAD_OPTIONS,
      ...TRAINING_FLAGS,
      json: { type: "boolean", default: false },
    });
    const modelDir = requireModelDir("train", requireOption("train", "model", v.model, "DIR (a Hugging Face model folder)"));
    const dataFile = requireOption("train", "data", v.data, "FILE.jsonl (chat examples or preference pairs)");
    const outDir = path.resolve(requireOption("train", "out", v.out, "DIR (where the adapter is written)"));
    const targets = (v.targets ?? "q_proj,k_proj,v_proj,o_proj").split(",").map((t) => t.trim()).filter(Boolean);
    const bad = targets.filter((t) => !TARGETS.includes(t));
    if (bad.length || targets.length === 0) throw new Error(`train: --targets must list modules among ${TARGETS.join(", ")}; got ${bad.join(", ") || "nothing"}`);
    let maxSeqLen = numberOption("train", "max-seq-len", v["max-seq-len"], 2048, { min: 2, integer: true });
    const n = (flag: string, fallback: number, o: Parameters<typeof numberOption>[4] = {}) => numberOption("train", flag, (v as Record<string, unknown>)[flag] as string | undefined, fallback, o);
    const options: TrainOptions = {
      lora: { rank: n("rank", 16, { min: 1, integer: true }), alpha: n("alpha", 32, { min: 0 }), dropout: n("dropout", 0.05, { min: 0, max: 0.99 }), rslora: Boolean(v.rslora), targets },
      epochs: n("epochs", 3, { min: 1, integer: true }),
      batchSize: n("batch-size", 4, { min: 1, integer: true }),
      gradAccum: n("grad-accum", 4, { min: 1, integer: true }),
      lr: n("lr", 2e-4, { min: 0, max: 10 }),
      weightDecay: n("weight-decay", 0.01, { min: 0 }),
      schedule: choiceOption("train", "schedule", v.schedule, ["cosine", "linear", "constant"] as const, "cosine"),
      warmupRatio: n("warmup-ratio", 0.03, { min: 0, max: 1 }),
      maxGradNorm: n("max-grad-norm", 1.0),
      seed: n("seed", 0, { min: 0, integer: true }),
      evalEvery: n("eval-every", 0, { min: 0, integer: true }),
      checkpointEvery: n("checkpoint-every", 0, { min: 0, integer: true }),
      earlyStoppingPatience: n("early-stopping-patience", 0, { min: 0, integer: true }),
      earlyStoppingThreshold: n("early-stopping-threshold", 0, { min: 0 }),
      keepBest: Boolean(v["keep-best"]),
      packing: Boolean(v.packing),
      gradientCheckpointing: Boolean(v["gradient-checkpointing"]),
      dpoBeta: n("dpo-beta", 0.1, { min: 0.001, max: 10 }),
      outDir,
      ...(v.resume ? { resumeFrom: path.resolve(v.resume) } : {}),
      baseModelName: modelDir,
      // This run's second step, resumed or not (the first pays for allocation and warm-up).
      profileStep: 2,
    };
    const note = (text: string) => ctx.err(`train: ${text}\n`);
    if (!v.validation && (options.earlyStoppingPatience || options.keepBest))
      throw new UsageError(`train: ${options.keepBest ? "--keep-best" : "--early-stopping-patience"} acts on the validation loss; add --validation FILE.jsonl.`);

    // Read the data and tokenizer first: their errors should not wait for a model load. The training file's first
    // line says the method; the validation file must hold the same kind.
    const chat = loadChatTokenizer(modelDir);
    const trainText = readDataFile(dataFile);
    const method: LocalMethod = methodOfJsonl(trainText);
    if (method === "dpo") {
      if (options.packing) throw new UsageError("train: --packing does not apply to DPO (preference pairs): each answer of a pair is scored as a sequence of its own; drop --packing.");
      options.method = "dpo";
    } else if (v["dpo-beta"] !== undefined) {
      throw new UsageError(`train: --dpo-beta applies to preference pairs (DPO), but ${dataFile} holds chat examples.`);
    }
    const trainRaw = parseSplit(trainText, dataFile, method);
    const validRaw = v.validation ? parseSplit(readDataFile(v.validation), v.validation, method) : undefined;
    const loadStart = performance.now();
    const { model } = await openModel("train", ctx.root, modelDir, v, "nf4");
    const loadMs = performance.now() - loadStart;
    try {
      const info = model.info();
      if (maxSeqLen > info.maxPositionEmbeddings) {
        note(`--max-seq-len ${maxSeqLen} exceeds the model's max_position_embeddings ${info.maxPositionEmbeddings}; using ${info.maxPositionEmbeddings}`);
        maxSeqLen = info.maxPositionEmbeddings;
      }
      options.maxSeqLen = maxSeqLen;
      // A large file is tokenized on several threads.
      const threads = tokenizeThreadCount(v.threads ? Number(v.threads) : 0);
      const tokenizeStart = performance.now();
      const train = await tokenizeSplitOnThreads(chat, modelDir, trainRaw, { maxSeqLen, file: dataFile, threads });
      const valid = validRaw && v.validation ? await tokenizeSplitOnThreads(chat, modelDir, validRaw, { maxSeqLen, file: v.validation, threads }) : undefined;
      // Where the time before the first step went, in the job log's words.
      note(`${info.backend} backend. ${preparedLine(loadMs, performance.now() - tokenizeStart)}`);
      const units = method === "dpo" ? "preference pairs" : "examples";
      const describe = (what: string, r: TokenizedSplit) =>
        `${what}: ${r.units} ${units}, ${r.tokens} tokens (${r.trainableTokens} trained on)` +
        (r.truncated ? `; ${r.truncated} truncated at ${maxSeqLen} tokens (${r.truncatedTokens} tokens cut)` : "");
      note(describe(dataFile, train));
      if (valid) note(describe(v.validation!, valid));
      for (const [split, file] of [[train, dataFile], [valid, v.validation]] as const) {
        const left = split ? skippedNote(split.skipped, { maxSeqLen, dpo: method === "dpo", setting: "--max-seq-len" }) : null;
        if (left) note(`${file}: ${left}`);
      }
      if (method === "dpo") note(`DPO with beta ${options.dpoBeta} against ${path.basename(modelDir)} as the frozen reference; batch size counts pairs`);

      const tty = !v.json && process.stderr.isTTY;
      const onProgress = (r: StepReport) => {
        if (v.json) ctx.out(jsonStepLine(r) + "\n");
        else if (tty) ctx.err(`\r${textStepLine(r)}\x1b[K`);
        else ctx.err(`${textStepLine(r)}\n`);
        if (!r.profileMs) return;
        try {
          ctx.err(`${tty ? "\n" : ""}train: ${stepProfileLine(r.step, info.backend, r.profileMs)}\n`);
        } catch (err) {
          note(`no step profile: ${(err as Error).message}`);
        }
      };
      // First Ctrl-C: stop at the next step boundary (the trainer keeps the last checkpoint). Second: exit.
      const abort = new AbortController();
      const onSigint = () => {
        if (abort.signal.aborted) process.exit(130);
        note("stopping after the current step (Ctrl-C again to exit now)");
        abort.abort();
      };
      process.on("SIGINT", onSigint);
      let result;
      let last = null as StepReport | null;
      try {
        result = await withAbort(model, abort.signal, () =>
          model.train(train.examples, valid?.examples ?? null, options, (r) => {
            last = r;
            onProgress(r);
          }),
        );
      } finally {
        process.off("SIGINT", onSigint);
        if (tty) ctx.err("\n");
      }
      const rewards = method === "dpo" ? rewardFields(last) : {};
      const done = {
        done: true,
        steps: result.steps,
        // Cancelled, the trainer writes no final adapter; the last checkpoint holds a loadable one.
        adapter: result.adapterDir || result.lastCheckpoint || null,
        // The step whose weights the adapter holds (the best one with --keep-best); early stopping's figures.
        ...(result.cancelled ? {} : { adapter_step: result.adapterStep }),
        ...(result.bestStep !== undefined ? { best_step: result.bestStep, best_valid_loss: result.bestValidLoss } : {}),
        stopped_early: result.stoppedEarly,
        total_steps: result.totalSteps,
        final_loss: result.finalLoss,
        ...(result.finalValidLoss !== undefined ? { valid_loss: result.finalValidLoss } : {}),
        cancelled: result.cancelled,
        ...(result.lastCheckpoint ? { last_checkpoint: result.lastCheckpoint } : {}),
        method,
        ...(method === "dpo" ? { pairs: train.units, dpo_beta: options.dpoBeta, ...rewards } : { examples: train.units }),
        tokens: train.tokens,
        skipped_examples: train.skipped.length,
        truncated_examples: train.truncated,
        truncated_tokens: train.truncatedTokens,
      };
      if (v.json) ctx.out(JSON.stringify(done) + "\n");
      else {
        const said = rewards.reward_accuracy !== undefined ? ` (reward accuracy ${Math.round(rewards.reward_accuracy * 100)} %, margin ${rewards.reward_margin!.toFixed(3)})` : "";
        const ending = stoppingLine(result, options);
        if (ending) ctx.out(`${ending}\n`);
        ctx.out(`${result.cancelled ? "stopped" : "done"}: ${result.steps} steps, final ${method === "dpo" ? "DPO " : ""}loss ${result.finalLoss.toFixed(4)}${said}; adapter in ${done.adapter ?? "(none written)"}\n`);
      }
      return result.cancelled ? 130 : 0;
    } finally {
      model.close();
    }
  },
};

/** The last step's DPO rewards for the done line, under the step lines' names. */
function rewardFields(r: StepReport | null): { reward_accuracy?: number; reward_margin?: number; valid_reward_accuracy?: number; valid_reward_margin?: number } {
  if (!r || r.rewardAccuracy === undefined) return {};
  return {
    reward_accuracy: r.rewardAccuracy,
    reward_margin: r.rewardMargin,
    ...(r.validRewardAccuracy !== undefined ? { valid_reward_accuracy: r.validRewardAccuracy, valid_reward_margin: r.validRewardMargin } : {}),
  };
}
