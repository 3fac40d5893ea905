import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../../../lib/testing/tiny-model";
import { jsonOf, runTuneforge } from "../../testing/run-bin";

// `tuneforge bench generate --backend cuda` on the addon linked against the CUDA emulator: the users' measurement of
// what check.sh step 4's decode row measures with gpu_ours (native/gpu/gpu-ours.emu.test.ts).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bench-generate-cuda-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("tuneforge bench generate on the device", () => {
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
    // Batched: 3 prompts advance together through the device's decode step.
    const batched = jsonOf<Record<string, number | string>>(await runTuneforge([...args, "--backend", "cuda", "--batch", "3", "--json"], process.cwd()));
    expect(batched).toMatchObject({ backend: "cuda", batch: 3 });
    expect(batched.decode_tokens_per_sec as number).toBeGreaterThan(0);
  }, 150_000);
});
