import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { loadNativeAddon, type Backend, type Quant, type StepReport } from "../index";

// Our trainer's side of check.sh step 3: on the inputs and adapter hf_reference.py wrote, the per-token
// log-probabilities (base + that adapter), the loss, and the loss and LoRA gradient norm of one training step
// that starts from the same adapter (a step-0 checkpoint of it, hf_reference's FILE-checkpoint/), and every LoRA
// gradient of that loss at that adapter (model.loraGradients), compared tensor by tensor with HF's grad.*.
//
//   node --import tsx native/gpu/ours_reference.ts --model DIR --ref FILE.safetensors --backend cuda --out ours.json
//
// Writes {"logprobs": [...], "loss": x, "train_loss": x, "grad_norm": x, "grad.<module>.lora_A": [...], ...};
// hf_compare.py reads it.

const { values: v } = parseArgs({
  options: {
    model: { type: "string" },
    ref: { type: "string" },
    backend: { type: "string", default: "cuda" },
    quant: { type: "string", default: "none" },
    out: { type: "string" },
  },
  strict: true,
});

function fail(message: string): never {
  process.stderr.write(`ours_reference: ${message}\n`);
  process.exit(2);
}

async function main() {
  if (!v.model || !v.ref || !v.out) fail("--model DIR, --ref FILE.safetensors (hf_reference.py's --out) and --out FILE.json are required");
  if (!["cpu", "cuda", "auto"].includes(v.backend!)) fail(`--backend must be cpu, cuda or auto, got "${v.backend}"`);
  if (!["none", "nf4"].includes(v.quant!)) fail(`--quant must be none or nf4, got "${v.quant}"`);
  const stem = v.ref.replace(/\.safetensors$/, "");
  const inputsFile = `${stem}.inputs.json`;
  const adapterDir = `${stem}-adapter`;
  const checkpointDir = `${stem}-checkpoint`;
  for (const p of [inputsFile, adapterDir, checkpointDir]) if (!fs.existsSync(p)) fail(`${p} is missing; run hf_reference.py --out ${v.ref} first`);
  const inputs = JSON.parse(fs.readFileSync(inputsFile, "utf8")) as { tokens: number[]; loss_mask: number[]; rank: number; alpha: number; targets: string[]; seed: number };

  const addon = loadNativeAddon(path.resolve(path.dirname(new URL(import.meta.url).pathname), "../.."));
  const t0 = Date.now();
  const model = await addon.loadModel({ modelDir: path.resolve(v.model), quant: v.quant as Quant, backend: v.backend as Backend });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tuneforge-ours-ref-"));
  try {
    const loadSeconds = (Date.now() - t0) / 1000;
    const logprobs = await model.logprobs(inputs.tokens, path.resolve(adapterDir));
    // Every LoRA gradient of the same loss at the same adapter, named as hf_reference.py names HF's (grad.<module>.lora_A).
    const example = { tokens: Int32Array.from(inputs.tokens), lossMask: Uint8Array.from(inputs.loss_mask) };
    const lg = await model.loraGradients(example, path.resolve(adapterDir));
    const grads = Object.fromEntries(Object.entries(lg.gradients).map(([name, g]) => [`grad.${name}`, Array.from(g)]));
    // The trainer's loss: mean −log p over targets; logprobs[i] is the log-probability of token i + 1.
    let sum = 0;
    let count = 0;
    for (let i = 1; i < inputs.tokens.length; i++) if (inputs.loss_mask[i]) (sum -= logprobs[i - 1]!), count++;

    const reports: StepReport[] = [];
    await model.train(
      [{ tokens: Int32Array.from(inputs.tokens), lossMask: Uint8Array.from(inputs.loss_mask) }],
      null,
      {
        lora: { rank: inputs.rank, alpha: inputs.alpha, dropout: 0, targets: inputs.targets },
        epochs: 1,
        batchSize: 1,
        gradAccum: 1,
        lr: 1e-6,
        warmupRatio: 0,
        maxGradNorm: 0, // no clipping: the reported norm is the raw gradient's
        maxSeqLen: inputs.tokens.length,
        seed: inputs.seed,
        resumeFrom: path.resolve(checkpointDir),
        outDir: path.join(tmp, "adapter"),
      },
      (r) => reports.push(r),
    );
    if (reports.length !== 1) fail(`expected one training step from the step-0 checkpoint, the trainer reported ${reports.length}`);
    const step = reports[0]!;
    const out = {
      backend: model.info().backend,
      quant: v.quant,
      logprobs,
      loss: sum / count,
      train_loss: step.loss,
      grad_norm: step.gradNorm,
      ...grads,
      // Not results: hf_compare.py skips objects.
      meta: { stepMemoryBytes: step.memoryBytes, loadSeconds, seconds: (Date.now() - t0) / 1000 },
    };
    fs.writeFileSync(v.out!, JSON.stringify(out) + "\n");
    process.stdout.write(JSON.stringify({ backend: out.backend, loss: out.loss, train_loss: out.train_loss, grad_norm: out.grad_norm, logprobs: `${logprobs.length} values`, gradients: `${Object.keys(grads).length} tensors`, meta: out.meta }) + "\n");
  } finally {
    model.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err: Error) => fail(err.message));
