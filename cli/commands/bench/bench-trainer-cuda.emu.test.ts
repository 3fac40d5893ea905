import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { jsonOf, runProcess, runTuneforge, TUNEFORGE_BIN, type Run } from "../../testing/run-bin";

// `tuneforge bench trainer --backend cuda`, the users' counterpart of what native/gpu/steps-3-4.sh runs on the H200
// in step 4 (`gpu_ours bench`, native/gpu/ours.cc, tested in native/gpu/gpu-ours.emu.test.ts), here on the addon
// linked against the CUDA emulator: step 4's flags scaled down (sequence 128 instead of 2048, a 256³ GEMM peak
// instead of 8192³), then its JSON through the Python that turns it into check.sh's summary rows (hf_rows.py still
// reads this command's output, with its own flops_per_token, as well as gpu_ours's).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-trainer-cuda-"));
let modelDir: string;

type Figures = {
  backend: string;
  quant: string;
  tokens_per_sec: number;
  flops_per_token: number;
  achieved_gflops: number;
  gemm_peak_gflops: number;
  gemm_peak_size: number | null;
  percent_of_peak: number;
  weight_bytes: number;
  matmul_bytes_per_param: number | null;
  peak_memory_bytes: number;
  memory_report: string | null;
};

// steps-3-4.sh's step-4 flags (rank 16, the attention projections, NF4 + double quant, checkpointing), scaled down.
const STEP4 = ["--seq-len", "128", "--batch-size", "2", "--steps", "3", "--rank", "16", "--targets", "q_proj,k_proj,v_proj,o_proj", "--peak-seconds", "0.2"];
const bench = (...args: string[]): Promise<Run> => runTuneforge(["bench", "trainer", "--model", modelDir, ...STEP4, ...args], tmp);
const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

let onGpu: Figures;
let onCpu: Figures;

beforeAll(async () => {
  // Grouped-query attention like Llama 3 (2 KV heads for 4 query heads).
  modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 4, shape: { kvHeads: 2 } }).dir;
  onGpu = jsonOf<Figures>(await bench("--quant", "nf4", "--double-quant", "--backend", "cuda", "--gradient-checkpointing", "--peak-size", "256", "--json"));
  onCpu = jsonOf<Figures>(await bench("--quant", "nf4", "--double-quant", "--backend", "cpu", "--gradient-checkpointing", "--json"));
}, 60_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tuneforge bench trainer --backend cuda", () => {
  it("trains on the device and measures the device's bf16 GEMM peak at --peak-size", () => {
    expect(onGpu).toMatchObject({ backend: "cuda", quant: "nf4 + double quant", gemm_peak_size: 256 });
    expect(onGpu.tokens_per_sec).toBeGreaterThan(0);
    expect(onGpu.gemm_peak_gflops).toBeGreaterThan(0);
    // Rounded to 4 significant digits each, so the figures agree to about 1e-3.
    const gflops = (onGpu.tokens_per_sec * onGpu.flops_per_token) / 1e9;
    expect(relDiff(onGpu.achieved_gflops, gflops)).toBeLessThan(2e-3);
    expect(relDiff(onGpu.percent_of_peak, (100 * gflops) / onGpu.gemm_peak_gflops)).toBeLessThan(2e-3);
    // Same model, same FLOP ruler; the peak is another machine's (the emulator is no CPU GEMM).
    expect(onGpu.flops_per_token).toBe(onCpu.flops_per_token);
    expect(onCpu.gemm_peak_size).toBeNull();
  });

  it("reports the device's memory: measured on it, with the device's breakdown, not the CPU trainer's estimate", () => {
    expect(onGpu.memory_report).toMatch(/^CUDA memory:\n.*\n {2}total held: [\d.]+ [KM]iB\n {2}device: [\d.]+ GiB free of 16\.00 GiB\n$/s);
    expect(onCpu.memory_report).toMatch(/^memory \(cpu, estimate\)/);
    const unit = { KiB: 2 ** 10, MiB: 2 ** 20 };
    const [, held, u] = /total held: ([\d.]+) ([KM]iB)/.exec(onGpu.memory_report!)!;
    // The peak over the steps is the first step's held memory (the breakdown rounds to 2 decimals).
    expect(relDiff(onGpu.peak_memory_bytes, Number(held) * unit[u as keyof typeof unit])).toBeLessThan(0.02);
    expect(onGpu.peak_memory_bytes).not.toBe(onCpu.peak_memory_bytes);
    // The device keeps the embedding, norms and lm_head in bf16 where the CPU keeps fp32; NF4 blocks are the same.
    expect(onGpu.weight_bytes).toBeLessThan(onCpu.weight_bytes);
    expect(onGpu.peak_memory_bytes).toBeGreaterThan(onGpu.weight_bytes);
  });

  it("holds NF4 weights on the device (double quantization shrinks them, bf16 takes 2 bytes); the text names the GPU peak", async () => {
    const single = jsonOf<Figures>(await bench("--quant", "nf4", "--backend", "cuda", "--peak-size", "256", "--json"));
    expect(single.quant).toBe("nf4");
    expect(onGpu.weight_bytes).toBeLessThan(single.weight_bytes);
    const text = await bench("--quant", "none", "--backend", "cuda", "--peak-size", "256");
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^bf16 GEMM peak \(GPU\) [\d.]+ GFLOP\/s \(measured now, 256³ GEMMs\)$/m);
    expect(text.stdout).toMatch(/^setup +none, seq len 128, cuda backend$/m);
    // bf16 matmul weights: 2 bytes each, against ~0.56 for NF4 blocks of 64 (lm_head stays bf16 in both).
    const bf16 = Number(/matmul weights incl\. lm_head ([\d.]+) bytes\/parameter; embedding and norms bf16/.exec(text.stdout)?.[1]);
    expect(bf16).toBe(2);
    expect(single.matmul_bytes_per_param!).toBeLessThan(1.2);
    expect(text.stdout).toMatch(/^peak memory +[\d.]+ MB \(measured on the device\)\nCUDA memory:\n/m);
  }, 60_000);

  it("with the emulator's cuBLASLt on (a GPU machine with libcublasLt): the report names it, and held and peak memory count its workspace", async () => {
    const args = ["bench", "trainer", "--model", modelDir, ...STEP4, "--quant", "nf4", "--double-quant", "--backend", "cuda", "--gradient-checkpointing", "--peak-size", "256", "--json"];
    const lt = jsonOf<Figures>(await runProcess(process.execPath, [TUNEFORGE_BIN, ...args], { cwd: tmp, env: { TF_CUDA_EMU_CUBLASLT: "1" } }));
    expect(lt.memory_report).toContain("  cuBLASLt workspace: 32.00 MiB\n");
    expect(lt.memory_report).toContain("  GEMMs: cublaslt 13.0.0 (the CUDA emulator's cuBLASLt)\n  total held: ");
    expect(onGpu.memory_report).not.toContain("cuBLASLt workspace");
    // The same run otherwise: one 32 MiB workspace (sm_90's) for the trainer's stream is the whole difference.
    expect(lt.peak_memory_bytes - onGpu.peak_memory_bytes).toBe(32 * 2 ** 20);
    // With cuBLASLt's GEMM peak and no HF result, check.sh judges our MFU on its own (hf_common.step4_rows).
    const ours = path.join(tmp, "throughput-ours-lt.json");
    fs.writeFileSync(ours, JSON.stringify(lt) + "\n");
    const r = await runProcess("python3", ["native/gpu/hf_rows.py", "step4", "--hf", path.join(tmp, "no-hf.json"), "--ours", ours, "--ran", "ours"], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);
    const mfu = r.stdout.split("\n").map((line) => line.split("\t")).find((c) => c[1] === "1B MFU");
    expect(mfu?.[2]).toMatch(/^[\d.]+ % \(of our cuBLASLt GEMM peak\)$/);
    expect(mfu?.[5]).toMatch(/^(PASS|FAIL)$/);
  }, 60_000);

  it("refuses --peak-size on the cpu backend and a size the GEMM cannot tile, before training", async () => {
    const onHost = await bench("--backend", "cpu", "--peak-size", "256", "--json");
    expect(onHost.code).toBe(2);
    expect(onHost.stderr).toMatch(/bench: --peak-size sets the cuda backend's GEMM size; this model runs on the cpu backend/);
    const odd = await bench("--backend", "cuda", "--peak-size", "300");
    expect(odd.code).toBe(2);
    expect(odd.stderr).toMatch(/bench: --peak-size must be a multiple of 128, got 300/);
    expect(odd.stderr).not.toMatch(/training/);
  });

  it("gives check.sh's step-4 rows the figures they read (hf_rows.py on this JSON)", async () => {
    const ours = path.join(tmp, "throughput-ours.json");
    const hf = path.join(tmp, "throughput-hf.json");
    fs.writeFileSync(ours, JSON.stringify(onGpu) + "\n");
    // An HF side (hf_throughput.py's fields) with our peak, speed and twice our memory: the table's MFU is then our
    // percent_of_peak, the speed ratio 1 and the memory ratio 0.5.
    fs.writeFileSync(hf, JSON.stringify({ side: "hf-peft", gemm_peak_tflops: onGpu.gemm_peak_gflops / 1000, tokens_per_sec: onGpu.tokens_per_sec, mfu_percent: 1, peak_memory_bytes: 2 * onGpu.peak_memory_bytes }) + "\n");
    const r = await runProcess("python3", ["native/gpu/hf_rows.py", "step4", "--hf", hf, "--ours", ours, "--ours8b", ours], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);
    const rows = new Map(r.stdout.trim().split("\n").map((line) => { const c = line.split("\t"); return [c[1]!, c[2]!]; }));
    const number = (check: string, re: RegExp) => Number(re.exec(rows.get(check) ?? "")?.[1]);
    expect(Math.abs(number("1B tokens/s (seq 2048)", /^([\d.]+) \(1\.00× HF\)$/) - onGpu.tokens_per_sec)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(number("1B MFU", /^([\d.]+) %$/) - onGpu.percent_of_peak)).toBeLessThanOrEqual(0.1);
    expect(rows.get("1B peak memory")).toMatch(/^[\d.]+ GiB \(0\.50× HF\)$/);
    expect(Math.abs(number("8B tokens/s (seq 2048)", /^([\d.]+) \(MFU [\d.]+ %\)$/) - onGpu.tokens_per_sec)).toBeLessThanOrEqual(0.5);

    // The HF side counts FLOPs with hf_common.flops_per_token; the MFU rows compare like with like only if ours agree.
    const py = "import json,sys; sys.path.insert(0,'native/gpu'); import hf_common as hc; print(hc.flops_per_token(json.load(open(sys.argv[1])), 16, hc.parse_targets('q,k,v,o'), 128))";
    const f = await runProcess("python3", ["-c", py, path.join(modelDir, "config.json")], { cwd: process.cwd() });
    expect(f.code, f.stderr).toBe(0);
    expect(Number(f.stdout)).toBe(onGpu.flops_per_token);
  });
});
