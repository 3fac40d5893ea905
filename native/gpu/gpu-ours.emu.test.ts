import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess, type Run } from "../../cli/testing/run-bin";
import { writeTinyModel } from "../../lib/testing/tiny-model";
import { colorTask } from "../../lib/testing/tiny-model/task";
import { loadChatTokenizer, tokenizeDataset } from "../../lib/tokenizer";
import { loadNativeAddon } from "../index";

// Our side of native/gpu/check.sh steps 3-4 as the GPU machine runs it (gpu_ours, native/gpu/ours.cc; no Node.js
// there), built against the CUDA emulator (gpu_ours_emu), on a tiny model: the step-3 chain from hf_reference.py's
// files — inputs.json, the PEFT adapter and the step-0 checkpoint hf_common.write_step0_checkpoint writes, the very
// function hf_reference.py calls — to hf_compare.py's verdict, with our CPU backend in HF's place (torch is not
// here); and step 4's bench JSON turned into rows by hf_rows.py. Plus the torch-free Python helpers' unit tests.

const OURS = path.resolve("native/build/cmake/gpu_ours_emu");
const GPU = path.resolve("native/gpu");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-ours-"));
let modelDir: string;

const run = (file: string, args: string[]): Promise<Run> => runProcess(file, args, { cwd: process.cwd() });
function ok(r: Run): string {
  expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(0);
  return r.stdout;
}
const lastJson = <T>(text: string): T => JSON.parse(text.trim().split("\n").at(-1)!) as T;

beforeAll(() => {
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 9 }).dir;
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/**
 * check.sh step 3's chain on `dir` with our CPU backend in HF's place: an adapter with B ≠ 0 (trained a little on the
 * CPU) saved as PEFT writes it, the inputs and step-0 checkpoint by hf_common's functions (hf_reference.py's), gpu_ours
 * reference on the device and on the CPU, and hf_compare.py's verdict of the one against the other. `targets` as
 * hf_reference.py passes them (hf_common.model_targets), each run's gradients counted.
 */
async function step3Chain(name: string, dir: string, targets: string[], gradients: number) {
  const addon = loadNativeAddon();
  const cpu = await addon.loadModel({ modelDir: dir, backend: "cpu", threads: 2 });
  const chat = loadChatTokenizer(dir);
  const examples = tokenizeDataset(chat, colorTask(8).map((ex, i) => ({ ...ex, line: i + 1 })), { maxSeqLen: 96, file: "task" }).examples;
  const trained = await cpu.train(examples, null, { lora: { rank: 4, alpha: 8, dropout: 0, targets }, epochs: 1, batchSize: 4, lr: 1e-2, warmupRatio: 0, outDir: path.join(tmp, `${name}-trained`) });
  cpu.close();
  const stem = path.join(tmp, name);
  fs.cpSync(trained.adapterDir, `${stem}-adapter`, { recursive: true });
  const ex = examples[0]!;
  fs.writeFileSync(`${stem}.inputs.json`, JSON.stringify({ tokens: Array.from(ex.tokens), loss_mask: Array.from(ex.lossMask), rank: 4, alpha: 8, targets, seed: 5 }));
  // The step-0 checkpoint, by the function hf_reference.py uses; element counts from the adapter file, the layers'
  // kinds from config.json (an LFM2's conv and attention layers order their parameters differently).
  const py = [
    "import json, sys; sys.path.insert(0, sys.argv[1]); import hf_common as hc",
    "stem = sys.argv[2]; t = hc.read_safetensors(stem + '-adapter/adapter_model.safetensors')",
    "sizes = {k.replace('base_model.model.', '', 1).replace('.weight', ''): v.size for k, v in t.items()}",
    "cfg = json.load(open(sys.argv[4] + '/config.json'))",
    "hc.write_step0_checkpoint(stem + '-adapter', stem + '-checkpoint', cfg['num_hidden_layers'], sys.argv[3].split(','), 5, sizes, hc.layer_kinds(cfg))",
  ].join("\n");
  ok(await run("python3", ["-c", py, GPU, stem, targets.join(","), dir]));
  for (const backend of ["cuda", "cpu"]) {
    const out = path.join(tmp, `${name}-ours-${backend}.json`);
    ok(await run(OURS, ["reference", "--model", dir, "--ref", `${stem}.safetensors`, "--backend", backend, "--quant", "none", "--out", out]));
    const o = JSON.parse(fs.readFileSync(out, "utf8")) as { backend: string; loss: number; train_loss: number; grad_norm: number; logprobs: number[] };
    expect(o.backend).toBe(backend);
    expect(o.logprobs).toHaveLength(ex.tokens.length - 1);
    // Step 1 from the step-0 checkpoint trains at exactly the adapter: its loss is the adapter's mean NLL (a
    // checkpoint whose adapter was not taken would start from B = 0, the base model's loss).
    expect(Math.abs(o.train_loss - o.loss) / o.loss).toBeLessThan(backend === "cpu" ? 1e-5 : 1e-2);
    expect(o.grad_norm).toBeGreaterThan(0);
    expect(Object.keys(o).filter((k) => k.startsWith("grad.model.layers."))).toHaveLength(gradients);
  }
  // hf_compare.py, as check.sh runs it with HF's result as the reference: every tensor within bf16 tolerance.
  const cmp = await run("python3", [path.join(GPU, "hf_compare.py"), path.join(tmp, `${name}-ours-cuda.json`), path.join(tmp, `${name}-ours-cpu.json`), "--label", "cuda", "--json"]);
  return { stem, cmp, verdict: lastJson<{ ok: boolean; compared: number; failed: string[] }>(cmp.stdout) };
}

describe("gpu_ours: check.sh steps 3-4, our side, on the emulated device", () => {
  it("lists the backends it was built with and the device", async () => {
    expect(lastJson(ok(await run(OURS, ["backends"])))).toEqual({ backends: ["cpu", "cuda"], devices: [expect.stringMatching(/emulator/)], reason: null });
    const bad = await run(OURS, ["bench", "--model", modelDir, "--seq-len", "lots"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--seq-len must be an integer >= 8, got "lots"/);
    // A misspelt target is refused before the model loads, not after minutes of device time.
    const target = await run(OURS, ["bench", "--model", modelDir, "--targets", "q,zz"]);
    expect(target.code).toBe(1);
    expect(target.stderr).toMatch(/--targets: unknown module "zz"; use some of q,k,v,o,gate,up,down/);
    // A GEMM size the peak refuses is refused before training: the peak is measured after it, so a late refusal
    // would cost the GPU machine the whole run and its figures.
    const badSize = await run(OURS, ["bench", "--model", modelDir, "--seq-len", "16", "--steps", "2", "--batch-size", "1", "--peak-size", "300"]);
    expect(badSize.code).toBe(1);
    expect(badSize.stderr).toMatch(/--peak-size must be 0 \(no GEMM peak\) or a multiple of 128 between 256 and 32768, got 300/);
    expect(badSize.stderr).not.toMatch(/gpu_ours bench: step/);
  });

  it("step 3: from hf_reference.py's files to hf_compare.py's verdict, the device against our CPU backend", async () => {
    const { verdict, cmp } = await step3Chain("ref", modelDir, ["q_proj", "k_proj", "v_proj", "o_proj"], 2 * 4 * 2); // 2 layers × 4 targets × A, B
    expect(verdict.failed, cmp.stdout).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.compared).toBe(4 + 16); // logprobs, loss, train_loss, grad_norm, and every gradient
    expect(cmp.code).toBe(0);
    // And it does fail a tensor that is off: the cpu result with one gradient scaled by 1.1.
    const skewed = JSON.parse(fs.readFileSync(path.join(tmp, "ref-ours-cpu.json"), "utf8")) as Record<string, unknown>;
    const key = Object.keys(skewed).find((k) => k.startsWith("grad.") && k.endsWith("lora_B"))!;
    skewed[key] = (skewed[key] as number[]).map((x) => x * 1.1);
    fs.writeFileSync(path.join(tmp, "skewed.json"), JSON.stringify(skewed));
    const bad = await run("python3", [path.join(GPU, "hf_compare.py"), path.join(tmp, "skewed.json"), path.join(tmp, "ref-ours-cpu.json"), "--json"]);
    expect(bad.code).toBe(1);
    expect(lastJson<{ failed: string[] }>(bad.stdout).failed).toEqual([key]);
  });

  // LFM2 (a conv layer, then an attention layer): the targets hf_reference.py gives PEFT for q,k,v,o (hf_lfm2.targets)
  // and the step-0 checkpoint's parameter order by layer kind, which the trainer must take as its own.
  it("step 3's chain on an LFM2: its own module names and each kind of layer's parameter order", async () => {
    const lfm2 = writeTinyModel({ dir: path.join(tmp, "lfm2"), seed: 5, lfm2: true }).dir;
    const targets = await run("python3", ["-c", "import sys, json; sys.path.insert(0, sys.argv[1]); import hf_common as hc; print(json.dumps(hc.model_targets(json.load(open(sys.argv[2] + '/config.json')), ['q_proj', 'k_proj', 'v_proj', 'o_proj'])))", GPU, lfm2]);
    const names = JSON.parse(ok(targets)) as string[];
    expect(names).toEqual(["q_proj", "k_proj", "v_proj", "out_proj", "in_proj"]);
    // Layer 0: in_proj, out_proj; layer 1: q, k, v, out_proj; A and B each.
    const { verdict, cmp } = await step3Chain("lfm2-ref", lfm2, names, 2 * (2 + 4));
    expect(verdict.failed, cmp.stdout).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.compared).toBe(4 + 12);
  });

  it("step 4: the bench's figures, and hf_rows.py's rows from them with the FLOPs of the model's config.json", async () => {
    const args = ["bench", "--model", modelDir, "--seq-len", "64", "--batch-size", "2", "--steps", "3", "--rank", "4", "--targets", "q_proj,k_proj,v_proj,o_proj", "--quant", "nf4", "--double-quant", "--gradient-checkpointing", "--backend", "cuda", "--peak-size", "256"];
    const benchRun = await run(OURS, args);
    const ours = lastJson<Record<string, unknown>>(ok(benchRun));
    // tokens/s over steps 2..n is the sum of those steps' own times, as hf_throughput.py times HF's steps: not
    // the wall clock from step 1's end to the last's, which also holds the checkpoint written after the last step.
    const rates = [...benchRun.stderr.matchAll(/gpu_ours bench: step \d+\/\d+: ([\d.e+]+) tokens\/s/g)].map((m) => Number(m[1]));
    expect(rates).toHaveLength(3);
    const perStep = (2 * 64 * 2) / rates.slice(1).reduce((sum, r) => sum + (2 * 64) / r, 0);
    expect(Math.abs((ours.tokens_per_sec as number) - perStep) / perStep).toBeLessThan(1e-4);
    expect(ours).toMatchObject({ backend: "cuda", seq_len: 64, batch_size: 2, rank: 4, steps: 3, gradient_checkpointing: true, quant: "nf4 + double quant", model_dir: modelDir });
    expect(ours.tokens_per_sec as number).toBeGreaterThan(0);
    expect(ours.gemm_peak_gflops as number).toBeGreaterThan(0);
    const [, amount, unit] = /total held: ([\d.]+) (B|KiB|MiB|GiB)/.exec(ours.memory_report as string)!;
    const held = Number(amount) * { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 }[unit as "B" | "KiB" | "MiB" | "GiB"];
    expect(Math.abs((ours.peak_memory_bytes as number) - held) / held).toBeLessThan(0.02);

    // HF's side as hf_throughput.py writes it (a fixture: its figures only feed the arithmetic checked here).
    const hf = { tokens_per_sec: (ours.tokens_per_sec as number) / 2, mfu_percent: 1, peak_memory_bytes: 4 * (ours.peak_memory_bytes as number), gemm_peak_tflops: 0.002 };
    fs.writeFileSync(path.join(tmp, "hf.json"), JSON.stringify(hf) + "\n");
    fs.writeFileSync(path.join(tmp, "ours.json"), JSON.stringify(ours) + "\n");
    const rows = ok(await run("python3", [path.join(GPU, "hf_rows.py"), "step4", "--hf", path.join(tmp, "hf.json"), "--ours", path.join(tmp, "ours.json")]))
      .trim()
      .split("\n")
      .map((l) => l.split("\t"));
    const row = (name: string) => rows.find((r) => r[1] === name)!;
    expect(row("1B tokens/s (seq 2048)")[2]).toMatch(/\(2\.00× HF\)$/);
    expect(row("1B tokens/s (seq 2048)")[5]).toBe("PASS");
    expect(row("1B peak memory")[2]).toMatch(/\(0\.25× HF\)$/);
    // MFU = tokens/s × (4·N_frozen + 6·N_lora + 6·L·heads·head_dim·T) / peak, N from the tiny model's config.
    const cfg = JSON.parse(fs.readFileSync(path.join(modelDir, "config.json"), "utf8")) as Record<string, number>;
    const hd = cfg.hidden_size! / cfg.num_attention_heads!;
    const [h, q, kv, inter, L] = [cfg.hidden_size!, cfg.num_attention_heads! * hd, cfg.num_key_value_heads! * hd, cfg.intermediate_size!, cfg.num_hidden_layers!];
    const frozen = L * (h * q + 2 * h * kv + q * h + 3 * h * inter) + cfg.vocab_size! * h;
    const lora = L * 4 * (h + q + h + kv + h + kv + q + h);
    const flops = 4 * frozen + 6 * lora + 6 * L * q * 64;
    const mfu = (100 * (ours.tokens_per_sec as number) * flops) / (0.002 * 1e12);
    expect(Number(/^([\d.]+) %$/.exec(row("1B MFU")[2]!)![1])).toBeCloseTo(mfu, 1);
  });

  it("step 4's decode row: steps-3-4.sh's own _gpu_decode_row decodes on the device and reads back its figures", async () => {
    // Grouped-query attention like Llama 3. A 96-token prompt and 24 tokens instead of the GPU run's 512 and 128:
    // four decodes of two timed runs each are what made this the slowest emulated test.
    const decodeModel = writeTinyModel({ dir: path.join(tmp, "decode-model"), seed: 6, shape: { kvHeads: 2, maxPositions: 256 } }).dir;
    const rows = path.join(tmp, "rows.tsv");
    // The variables gpu_steps_3_4 sets before it calls _gpu_decode_row.
    const script = 'source native/gpu/steps-3-4.sh; root=$PWD; gpu=$PWD/native/gpu; ours=$4; dir=$1; py=python3; _HF_ROWS=$2; GPU_DECODE_PROMPT_LEN=96 GPU_DECODE_TOKENS=24; _gpu_decode_row "$3" 1B && _gpu_decode_row "$3" 1B 2 && _gpu_decode_row "$3" 1B 1 eager && _gpu_decode_row "$3" 1B 1 bf16';
    const r = await runProcess("bash", ["-c", script, "bash", tmp, rows, decodeModel, OURS], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);

    const f = JSON.parse(fs.readFileSync(path.join(tmp, "decode-1B.json"), "utf8")) as Record<string, number | string | null>;
    expect(f).toMatchObject({ backend: "cuda", quant: "nf4 + double quant", prompt_len: 96, max_tokens: 24 });
    const decode = f.decode_tokens_per_sec as number;
    const gbps = f.weight_gb_read_per_sec as number;
    const prefill = f.prefill_tokens_per_sec as number;
    expect(decode).toBeGreaterThan(0);
    expect(prefill).toBeGreaterThan(0);
    expect(gbps).toBeGreaterThan(0);
    expect(Math.abs(gbps - ((f.weight_bytes as number) * decode) / 1e9) / gbps).toBeLessThan(2e-3);
    expect(Math.abs((f.ms_per_token as number) - 1000 / decode) / (f.ms_per_token as number)).toBeLessThan(2e-3);

    // An INFO row with the figures (four significant digits), not "gpu_ours decode failed (see log)".
    const [row] = fs.readFileSync(rows, "utf8").trim().split("\n").map((line) => line.split("\t"));
    expect(row!.slice(0, 2)).toEqual(["4", "ours generation speed (1B, 96-token prompt, 24 tokens)"]);
    expect(row!.slice(3)).toEqual(["", "", "INFO"]);
    const shown = /^decode (\S+) tok\/s, (\S+) GB\/s of weights; prefill (\S+) tok\/s$/.exec(row![2]!);
    expect(shown, row![2]).not.toBeNull();
    for (const [text, value] of [[shown![1], decode], [shown![2], gbps], [shown![3], prefill]] as const) expect(Math.abs(Number(text) - value) / value).toBeLessThan(1e-3);

    // The batched row: two prompts decoded together; tokens/s counts both, the weights are read once per step.
    const b = JSON.parse(fs.readFileSync(path.join(tmp, "decode-1B-b2.json"), "utf8")) as Record<string, number | string | null>;
    expect(b).toMatchObject({ backend: "cuda", batch: 2, prompt_len: 96, max_tokens: 24 });
    const both = b.decode_tokens_per_sec as number;
    expect(Math.abs((b.ms_per_token as number) - 2000 / both) / (b.ms_per_token as number)).toBeLessThan(2e-3);
    expect(Math.abs((b.weight_gb_read_per_sec as number) - ((b.weight_bytes as number) * both) / 2 / 1e9) / (b.weight_gb_read_per_sec as number)).toBeLessThan(2e-3);
    const batchedRow = fs.readFileSync(rows, "utf8").trim().split("\n")[1]!.split("\t");
    expect(batchedRow.slice(0, 2)).toEqual(["4", "ours generation speed (1B, batch 2, 96-token prompt, 24 tokens)"]);
    expect(batchedRow[2]).toMatch(/^decode \S+ tok\/s \(2 prompts together\), \S+ GB\/s of weights; prefill \S+ tok\/s$/);
    expect(batchedRow[5]).toBe("INFO");

    // The same single-prompt decode with every step's kernels launched one by one (TF_CUDA_GRAPHS=0): its own JSON
    // and row, next to the first, so the GPU run says what the graphs gain.
    const eager = JSON.parse(fs.readFileSync(path.join(tmp, "decode-1B-b1-eager.json"), "utf8")) as Record<string, number | string | null>;
    expect(eager).toMatchObject({ backend: "cuda", batch: 1, prompt_len: 96, max_tokens: 24 });
    expect(eager.decode_tokens_per_sec as number).toBeGreaterThan(0);
    const eagerRow = fs.readFileSync(rows, "utf8").trim().split("\n")[2]!.split("\t");
    expect(eagerRow.slice(0, 2)).toEqual(["4", "ours generation speed (1B, without CUDA graphs, 96-token prompt, 24 tokens)"]);
    expect(eagerRow[5]).toBe("INFO"); // the same greedy tokens as the graph run (generated_tokens_fnv1a)
    expect(eager.generated_tokens_fnv1a).toBe(f.generated_tokens_fnv1a);
    // Unquantized weights: every projection a GEMM inside the graph.
    const bf16 = JSON.parse(fs.readFileSync(path.join(tmp, "decode-1B-b1-bf16.json"), "utf8")) as Record<string, number | string | null>;
    expect(bf16).toMatchObject({ backend: "cuda", quant: "none", batch: 1 });
    const bf16Row = fs.readFileSync(rows, "utf8").trim().split("\n")[3]!.split("\t");
    expect(bf16Row.slice(0, 2)).toEqual(["4", "ours generation speed (1B, bf16 weights, 96-token prompt, 24 tokens)"]);
    expect(bf16Row[5]).toBe("INFO");
  }, 240_000);

  it("step 4's profile row: steps-3-4.sh's own _gpu_profile_row times one step by phase on the device", async () => {
    const rows = path.join(tmp, "profile-rows.tsv");
    // The variables gpu_steps_3_4 sets before it calls _gpu_profile_row.
    const script = 'source native/gpu/steps-3-4.sh; gpu=$PWD/native/gpu; ours=$4; dir=$1; py=python3; _HF_ROWS=$2; rank=4; targets_long=q_proj,k_proj,v_proj,o_proj; _gpu_profile_row "$3" 2 64; _gpu_profile_row "$3" 2 64 main';
    const r = await runProcess("bash", ["-c", script, "bash", tmp, rows, modelDir, OURS], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);

    const f = JSON.parse(fs.readFileSync(path.join(tmp, "profile-1b.json"), "utf8")) as { backend: string; profile_ms: Record<string, number> };
    expect(f.backend).toBe("cuda");
    const { step, ...phases } = f.profile_ms;
    expect(Object.keys(phases).sort()).toEqual(["attention", "attention_backward", "elementwise", "frozen_matmul", "lora", "loss_head", "nf4_dequant", "optimizer"]);
    // Every kind of work of an NF4 QLoRA step ran on the device, and the phases fit inside the step's wall time.
    for (const [phase, ms] of Object.entries(phases)) expect(ms, phase).toBeGreaterThan(0);
    const sum = Object.values(phases).reduce((a, b) => a + b, 0);
    expect(sum).toBeLessThanOrEqual(step!);
    expect(sum).toBeGreaterThan(0.5 * step!);

    // One INFO row: the step, then the phases largest first with their shares, then the time in no phase.
    const [row] = fs.readFileSync(rows, "utf8").trim().split("\n").map((line) => line.split("\t"));
    expect(row!.slice(0, 2)).toEqual(["4", "ours 1B step by phase (profiled run)"]);
    expect(row!.slice(3)).toEqual(["", "", "INFO"]);
    const parts = /^step (\S+) ms: (.*)$/.exec(row![2]!);
    expect(parts, row![2]).not.toBeNull();
    // Whole milliseconds from 100 up, else three significant digits (hf_rows.py's ms_text).
    expect(Math.abs(Number(parts![1]) - step!)).toBeLessThanOrEqual(step! >= 100 ? 0.5 : step! * 5e-3);
    const shown = parts![2]!.split(", ").map((p) => /^(\w+) (\S+) ms \((-?\d+) %\)$/.exec(p)!);
    expect(shown.map((m) => m[1])).toEqual([...Object.entries(phases).sort((a, b) => b[1] - a[1]).map(([name]) => name), "other"]);
    expect(Math.abs(Number(shown[0]![2]) - Math.max(...Object.values(phases))) / Number(shown[0]![2])).toBeLessThan(1e-2);

    // The second call: the same run with every NF4 expansion on the main stream (TF_CUDA_DEQUANT_AHEAD=0), its own
    // JSON and row, so the two step times side by side say what the second stream gains.
    const main = JSON.parse(fs.readFileSync(path.join(tmp, "profile-1b-main.json"), "utf8")) as { profile_ms: Record<string, number> };
    expect(main.profile_ms.nf4_dequant).toBeGreaterThan(0);
    const mainRow = fs.readFileSync(rows, "utf8").trim().split("\n")[1]!.split("\t");
    expect(mainRow.slice(0, 2)).toEqual(["4", "ours 1B step by phase, NF4 expanded on the main stream (profiled run)"]);
    expect(mainRow.slice(3)).toEqual(["", "", "INFO"]);
    expect(mainRow[2]).toMatch(/^step \S+ ms: .*nf4_dequant \S+ ms/);
  }, 180_000);

  it("find-cublaslt.sh finds cuBLASLt inside Python's nvidia wheel, and says nothing when the loader finds it", async () => {
    // The layout of the CUDA 13 wheel (nvidia/cu13/lib); the script only looks for the file, it does not load it.
    const site = path.join(tmp, "site-packages");
    const lib = path.join(site, "nvidia", "cu13", "lib");
    fs.mkdirSync(lib, { recursive: true });
    fs.writeFileSync(path.join(lib, "libcublasLt.so.13"), "");
    const find = (extra: Record<string, string>) => runProcess("bash", [path.join(GPU, "find-cublaslt.sh")], { cwd: process.cwd(), env: extra });
    expect(ok(await find({ PYTHONPATH: site })).trim()).toBe(lib);
    expect(ok(await find({ PYTHONPATH: site, LD_LIBRARY_PATH: `/nowhere:${lib}` })).trim()).toBe("");
    // Without the wheel: no failure, and either nothing to add (no cuBLASLt: the GEMMs run on WMMA, as on this
    // machine) or the toolkit's own folder.
    const other = ok(await find({ PYTHONPATH: path.join(tmp, "empty") })).trim();
    if (other) expect(fs.readdirSync(other).some((f) => /^libcublasLt\.so\.1[23]/.test(f))).toBe(true);
    else expect(other).toBe("");
  });

  it("check.sh itself, as a dry run on the emulator: steps 1-2 pass, the GEMM row names WMMA, step 3 stops for want of torch", async () => {
    // The glue a GPU run depends on (building, exit codes, the GEMM line, rows into the summary table) runs only
    // there otherwise; a mistake in it would cost the lent machine's few minutes. (These machines have no torch and
    // no way to install it, so steps 3-4 stop at their first script.)
    // One step-2 case: ctest's cuda_model_check_emu runs them all, and each takes the emulator seconds.
    const env = { GPU_CHECK_EMULATED: "1", GPU_CHECK_DIR: path.join(tmp, "check"), TF_MODEL_CHECK_CASES: "fp32 base" };
    const r = await runProcess("bash", [path.join(GPU, "check.sh")], { cwd: process.cwd(), env });
    expect(r.code, `${r.stderr}\n${r.stdout}`).toBe(1);
    const summary = r.stdout.slice(r.stdout.indexOf("== native/gpu/check.sh summary"));
    const rows = summary.split("\n").slice(2).filter(Boolean).map((l) => l.split(/\s{2,}/));
    expect(rows).toEqual([
      ["1", "CUDA kernels vs CPU", "PASS", "every row within its limit (table above)"],
      ["1", "GEMMs run through", "INFO", "wmma (the CUDA emulator's cuBLASLt is off; TF_CUDA_EMU_CUBLASLT=1 turns it on)"],
      ["2", "tiny models: logits, loss, LoRA grads vs CPU", "PASS", "every row within its limit (table above); only the cases TF_MODEL_CHECK_CASES names: fp32 base"],
      ["3", "generate the 1B model", "FAIL", "ours - · reference hf_make_model.py failed · target -"],
    ]);
    expect(r.stderr + r.stdout).toMatch(/hf_make_model: No module named '(torch|transformers|peft)'/);
    // The log a lent machine's failure is read from: what ran first, then each row as it was recorded (a run cut off
    // at the call's limit prints no summary).
    expect(r.stdout).toMatch(/^== machine: .+\n== nvcc: .+\n== python: torch (not importable|\d)/);
    expect(r.stdout.slice(0, r.stdout.indexOf("== step 2:"))).toContain("== row: 1 | CUDA kernels vs CPU | PASS |");
    expect(r.stderr).toMatch(/\[steps 3-4\] row: 3\tgenerate the 1B model\t\thf_make_model.py failed\t\tFAIL/);
    // Step 1's attention rows carry their steady-state speed: the figure a GPU run holds against FlashAttention-2.
    const speedRows = r.stdout.match(/^attention_(forward out|backward dq) .*$/gm) ?? [];
    expect(speedRows).toHaveLength(2 * 10); // checks_attention.cc's 10 cases (2 of them soft-capped)
    for (const row of speedRows) expect(row).toMatch(/ PASS +[\d.]+ +steady [\d.]+ ms, [\d.]+ TFLOP\/s$/);

    // A misspelt case name is refused with the names there are, before any case runs (exit 3, a row of its own).
    const misspelt = await runProcess(path.resolve("native/build/cmake/cuda_model_check_emu"), [], { cwd: process.cwd(), env: { TF_MODEL_CHECK_CASES: "fp32 base|qwen2 bias" } });
    expect(misspelt.code).toBe(3);
    expect(misspelt.stderr).toMatch(/names "qwen2 bias", which is not a case; the cases are:\n  fp32 base\n[^]*\n  session training/);
    expect(misspelt.stdout).not.toMatch(/comparisons/);
    const empty = await runProcess(path.resolve("native/build/cmake/cuda_model_check_emu"), [], { cwd: process.cwd(), env: { TF_MODEL_CHECK_CASES: "fp32 base||session training" } });
    expect(empty.code).toBe(3);
    expect(empty.stderr).toMatch(/has an empty name \(a '\|' too many\)/);

    // A step that hangs on a GPU ends at its timeout in a row of its own, and the run goes on: cuda_check_emu needs
    // seconds, so a 1 s limit stops it (exit 124, then the KILL 10 s later if it ignored the TERM).
    const hung = await runProcess("bash", [path.join(GPU, "check.sh")], { cwd: process.cwd(), env: { ...env, GPU_CHECK_STEP_TIMEOUT: "1" } });
    const hungRows = hung.stdout.match(/^== row: .*$/gm) ?? [];
    expect(hungRows[0]).toBe("== row: 1 | CUDA kernels vs CPU | FAIL | cuda_check_emu timed out after 1 s");
    expect(hung.stdout).toContain("== native/gpu/check.sh summary");
  }, 180_000);

  it("check.sh past GPU_CHECK_DEADLINE_S: a step cut there is a SKIP row that says so, never a FAIL, and steps 3-4 do not start", async () => {
    // GPU_CHECK_DEADLINE_S=0: every step starts past the deadline, so each gets the 5 s floor of _hf_cap. Steps 1-2
    // take about that on the emulator, so each row is a PASS or, cut, a SKIP naming the deadline; steps 3-4 check
    // the time left before they start and do not.
    const env = { GPU_CHECK_EMULATED: "1", GPU_CHECK_DIR: path.join(tmp, "check-deadline"), TF_MODEL_CHECK_CASES: "fp32 base", GPU_CHECK_DEADLINE_S: "0" };
    const r = await runProcess("bash", [path.join(GPU, "check.sh")], { cwd: process.cwd(), env });
    const all = r.stdout.slice(r.stdout.indexOf("== native/gpu/check.sh summary")).split("\n").slice(2).filter(Boolean).map((l) => l.split(/\s{2,}/));
    // (Step 1's GEMM row, INFO, follows it when cuda_check_emu finished in time.)
    const rows = all.filter((row) => row[1] !== "GEMMs run through");
    expect(rows.map((row) => row.slice(0, 2)), r.stdout).toEqual([
      ["1", "CUDA kernels vs CPU"],
      ["2", "tiny models: logits, loss, LoRA grads vs CPU"],
      ["3", "steps 3-4"],
    ]);
    const cut = "cut at the deadline (GPU_CHECK_DEADLINE_S=0)";
    for (const [, , result, detail] of rows.slice(0, 2)) {
      expect(["PASS", "SKIP"]).toContain(result);
      if (result === "SKIP") expect(detail).toMatch(new RegExp(`^(build of )?cuda_(model_)?check_emu ${cut.replace(/[()]/g, "\\$&")}$`));
    }
    expect(rows[2]!.slice(2)).toEqual(["SKIP", `ours not run: ${cut} · reference - · target -`]);
    // "0 when every step that ran passed": nothing failed, nothing reads like a crash.
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).not.toMatch(/ FAIL /);
  }, 120_000);

  it("the torch-free Python helpers pass their unit tests", async () => {
    const r = await run("python3", ["-m", "unittest", "discover", "-s", GPU, "-p", "test_hf_*.py"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Ran \d+ tests in .*\n\nOK/);
  });
});
