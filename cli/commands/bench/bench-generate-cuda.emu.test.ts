import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { runProcess } from "../../testing/run-bin";

// `tuneforge bench generate --backend cuda` exactly as native/gpu/steps-3-4.sh runs it on the H200: its own
// _gpu_decode_row (a 512-token prompt, 128 tokens, NF4 + double quant, then the Python one-liner that reads the JSON
// into the summary row), sourced and called here on a tiny model, on the addon linked against the CUDA emulator.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-generate-cuda-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tuneforge bench generate --backend cuda (check.sh step 4's decode row)", () => {
  it("decodes on the device and the script's row reads decode and prefill tokens/s and the weight GB/s", async () => {
    // 512 + 128 positions; grouped-query attention like Llama 3.
    const modelDir = writeTinyModel({ dir: path.join(tmp, "model"), seed: 6, shape: { kvHeads: 2, maxPositions: 1024 } }).dir;
    const rows = path.join(tmp, "rows.tsv");
    // The variables gpu_steps_3_4 sets before it calls _gpu_decode_row.
    const script = 'source native/gpu/steps-3-4.sh; root=$PWD; dir=$1; py=python3; _HF_ROWS=$2; _gpu_decode_row "$3" 1B';
    const r = await runProcess("bash", ["-c", script, "bash", tmp, rows, modelDir], { cwd: process.cwd() });
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

    // An INFO row with the figures, not "bench generate failed (see log)" (what a renamed field gives).
    const [row] = fs.readFileSync(rows, "utf8").trim().split("\n").map((line) => line.split("\t"));
    expect(row).toEqual(["4", "ours generation speed (1B)", `decode ${decode} tok/s, ${gbps} GB/s of weights; prefill ${prefill} tok/s`, "", "", "INFO"]);
  }, 90_000);
});
