import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { jsonOf, runProcess, runTuneforge } from "../../testing/run-bin";

// check.sh step 4's decode row exactly as native/gpu/steps-3-4.sh makes it on the H200: its own _gpu_decode_row (a
// 512-token prompt, 128 tokens, NF4 + double quant through `gpu_ours decode`, then hf_rows.py turning the JSON into
// the summary row), sourced and called here on a tiny model with gpu_ours built against the CUDA emulator; and
// `tuneforge bench generate --backend cuda`, the same measurement for users, on the emulated addon.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-generate-cuda-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("generation speed on the device (check.sh step 4's decode row, tuneforge bench generate)", () => {
  it("decodes on the device and the script's row reads decode and prefill tokens/s and the weight GB/s", async () => {
    // 512 + 128 positions; grouped-query attention like Llama 3.
    const modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 6, shape: { kvHeads: 2, maxPositions: 1024 } }).dir;
    const rows = path.join(tmp, "rows.tsv");
    // The variables gpu_steps_3_4 sets before it calls _gpu_decode_row.
    const script = 'source native/gpu/steps-3-4.sh; root=$PWD; gpu=$PWD/native/gpu; ours=$4; dir=$1; py=python3; _HF_ROWS=$2; _gpu_decode_row "$3" 1B';
    const r = await runProcess("bash", ["-c", script, "bash", tmp, rows, modelDir, path.resolve("native/build/cmake/gpu_ours_emu")], { cwd: process.cwd() });
    expect(r.code, r.stderr).toBe(0);

    const f = JSON.parse(fs.readFileSync(path.join(tmp, "decode-1B.json"), "utf8")) as Record<string, number | string | null>;
    expect(f).toMatchObject({ backend: "cuda", quant: "nf4 + double quant", prompt_len: 512, max_tokens: 128 });
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
    expect(row!.slice(0, 2)).toEqual(["4", "ours generation speed (1B)"]);
    expect(row!.slice(3)).toEqual(["", "", "INFO"]);
    const shown = /^decode (\S+) tok\/s, (\S+) GB\/s of weights; prefill (\S+) tok\/s$/.exec(row![2]!);
    expect(shown, row![2]).not.toBeNull();
    for (const [text, value] of [[shown![1], decode], [shown![2], gbps], [shown![3], prefill]] as const) expect(Math.abs(Number(text) - value) / value).toBeLessThan(1e-3);
  }, 90_000);

  it("`tuneforge bench generate --backend cuda --json` reports the same figures from the device", async () => {
    const modelDir = writeTinyModel({ dir: path.join(tmp, "model-cli"), seed: 6, shape: { kvHeads: 2, maxPositions: 1024 } }).dir;
    const args = ["bench", "generate", "--model", modelDir, "--prompt-len", "64", "--max-tokens", "16", "--runs", "1", "--quant", "nf4", "--double-quant"];
    const f = jsonOf<Record<string, number | string>>(await runTuneforge([...args, "--backend", "cuda", "--json"], process.cwd()));
    expect(f).toMatchObject({ backend: "cuda", quant: "nf4 + double quant", prompt_len: 64, max_tokens: 16 });
    for (const k of ["prefill_tokens_per_sec", "decode_tokens_per_sec", "weight_gb_read_per_sec"]) expect(f[k] as number, k).toBeGreaterThan(0);
    // The device holds the NF4 codes; the host keeps the embedding and norms in fp32, the device in bf16.
    const cpu = jsonOf<Record<string, number | string>>(await runTuneforge([...args, "--backend", "cpu", "--json"], process.cwd()));
    expect(cpu.backend).toBe("cpu");
    expect(f.weight_bytes as number).toBeLessThan(cpu.weight_bytes as number);
  }, 90_000);
});
