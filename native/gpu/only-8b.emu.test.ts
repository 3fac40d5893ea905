import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess, type Run } from "../../cli/testing/run-bin";
import { writeTinyModel } from "../../lib/testing/tiny-model";
import { expectBuiltOursAlone, fakeOursTree, GPU, OURS, rowsOf, runSteps34, tableOf, type FakeTree } from "./steps-testing";

// The lent machine's second call (native/gpu/README.md, "On a lent machine"): `GPU_CHECK_ONLY_8B=1 bash
// native/gpu/steps-3-4.sh` after a `GPU_CHECK_SKIP_8B=1 bash native/gpu/check.sh`. It must add the 8B rows alone and
// rebuild step 4's GEMM-peak and 1B rows from the first call's JSON files in the work folder; a GPU session runs it
// with no minutes left to debug it, so it runs here first, as far as a machine without torch goes: gpu_ours_emu
// (our side on the CUDA emulator) is found and asked its backends as on the GPU, the 8B model cannot be generated.
//
// The first call cannot run here (its step 3 needs torch), so the work folder is made as it leaves it: the 1B model
// (a tiny one, in its place), gpu_ours bench's own output on the emulated device, and hf_throughput.py's JSON line
// (a fixture with its keys: torch is needed to produce it).
//
// The CMake tree is one program, gpu_ours_emu as `npm run test:native` built it, and `cmake` only records how it was
// called (steps-testing.ts): the record shows that the second call asks for gpu_ours alone.

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-only-8b-"));
let tree: FakeTree;
// The first call's work folder (GPU_CHECK_DIR), kept for the second.
const kept = path.join(tmp, "kept");
const keptHf = path.join(kept, "hf");

const list = (dir: string) => fs.readdirSync(dir).sort();
const NO_8B_MODEL = ["4", "generate the 8B model", "", "hf_make_model.py failed", "", "FAIL"];
const row8b = (ours: string, status: string) => ["4", "8B tokens/s (seq 2048)", ours, "", "≥ 12,000", status];

const steps34 = (work: string, env: Record<string, string> = {}): Promise<Run> =>
  runSteps34(tree, work, { GPU_CHECK_ONLY_8B: "1", GPU_CHECK_SKIP_8B: "0", GPU_CHECK_DECODE_8B: "0", ...env });

// What the call printed last: the blank line and hf_rows.py's table of its rows.tsv (and its exit status).
const table = tableOf;

let ours: Record<string, unknown>;
let hf: Record<string, unknown>;

beforeAll(async () => {
  tree = fakeOursTree(tmp);

  const m1b = writeTinyModel({ dir: path.join(keptHf, "llama-1b"), seed: 9 }).dir;
  // The first call's 1B bench (steps-3-4.sh's arguments but a tiny batch, and a small GEMM peak: emulated), its
  // stdout kept as `| tee throughput-ours-1b.json` keeps it.
  const bench = await runProcess(OURS, ["bench", "--model", m1b, "--seq-len", "64", "--batch-size", "2", "--steps", "3", "--rank", "16", "--targets", "q_proj,k_proj,v_proj,o_proj", "--quant", "nf4", "--double-quant", "--backend", "cuda", "--gradient-checkpointing", "--peak-size", "256"], { cwd: process.cwd() });
  expect(bench.code, bench.stderr).toBe(0);
  fs.writeFileSync(path.join(keptHf, "throughput-ours-1b.json"), bench.stdout);
  ours = JSON.parse(bench.stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
  // hf_throughput.py's line: half our tokens/s, four times our memory (figures only feed the rows' arithmetic).
  const tps = ours.tokens_per_sec as number;
  hf = {
    side: "hf-peft", model: m1b, base: "bf16", seq: 64, batch: 2, rank: 16, alpha: 32, targets: ["q_proj", "k_proj", "v_proj", "o_proj"],
    gradient_checkpointing: true, matmul_parameters: 1, lora_parameters: 1, tokens_per_sec: tps / 2, flops_per_token: 1, achieved_tflops: 0,
    gemm_peak_tflops: 0.002, mfu_percent: 1.5, peak_memory_bytes: 4 * (ours.peak_memory_bytes as number), loss: 12.1, step_seconds: [0.1], seconds: 1,
  };
  fs.writeFileSync(path.join(keptHf, "throughput-hf.json"), JSON.stringify(hf) + "\n");
  // An 8B figure left by an earlier try: the second call measures the 8B model again, so this one must go.
  fs.writeFileSync(path.join(keptHf, "throughput-ours-8b.json"), JSON.stringify({ ...ours, tokens_per_sec: 99999 }) + "\n");
}, 120_000);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("steps-3-4.sh GPU_CHECK_ONLY_8B=1: the lent machine's second call, on the emulated device without torch", () => {
  it("rebuilds the GEMM-peak and 1B rows from the first call's JSON, reruns nothing of step 3 or the 1B benches, and says why the 8B row has no figure", async () => {
    const before = Object.fromEntries(["throughput-hf.json", "throughput-ours-1b.json"].map((f) => [f, { text: fs.readFileSync(path.join(keptHf, f), "utf8"), mtime: fs.statSync(path.join(keptHf, f)).mtimeMs }]));
    const r = await steps34(kept);

    // Our side was found and has the CUDA backend (else the 8B part would not run at all).
    expect(r.stderr).toContain(`[steps 3-4] our backends: cpu,cuda; work folder ${keptHf}`);
    expectBuiltOursAlone(tree);

    // (1) Nothing of step 3 and no 1B bench, profile or decode ran: no log line of theirs, no file of theirs, and
    // the first call's JSON files are untouched. The stale 8B result is gone.
    const parts = [...r.stderr.matchAll(/^\[steps 3-4\] (\d: [^…\n]*)…$/gm)].map((m) => m[1]);
    expect(parts).toEqual(["4: generate the 8B-shaped model"]);
    expect(list(keptHf)).toEqual(["llama-1b", "rows.tsv", "throughput-hf.json", "throughput-ours-1b.json"]);
    for (const [f, { text, mtime }] of Object.entries(before)) {
      expect(fs.readFileSync(path.join(keptHf, f), "utf8")).toBe(text);
      expect(fs.statSync(path.join(keptHf, f)).mtimeMs).toBe(mtime);
    }

    // (3) The 8B model cannot be written without torch: a FAIL row for its generator, and the 8B row names that,
    // not the bench (which had no model to load, so it did not run: no "ours throughput (8B …)" above).
    expect(r.stderr).toMatch(/hf_make_model: No module named '(torch|transformers|peft)'/);
    expect(r.stderr).toMatch(/\[steps 3-4\] 4: generate the 8B-shaped model: \d+ s \(exit 1\)/);

    // (2) The 1B rows are exactly hf_rows.py's from the kept files, with the first call's bench marked as run.
    const fromKept = rowsOf((await runProcess("python3", [path.join(GPU, "hf_rows.py"), "step4", "--hf", path.join(keptHf, "throughput-hf.json"), "--ours", path.join(keptHf, "throughput-ours-1b.json"), "--ran", "ours"], { cwd: process.cwd() })).stdout);
    const rows = rowsOf(fs.readFileSync(path.join(keptHf, "rows.tsv"), "utf8"));
    expect(rows).toEqual([NO_8B_MODEL, ...fromKept.slice(0, 4), row8b("no 8B model (hf_make_model.py failed, see the log)", "MISSING")]);
    const byName = (name: string) => rows.find((x) => x[1] === name)!;
    expect(byName("bf16 GEMM peak (torch.matmul, this run)").slice(3)).toEqual(["0 TFLOP/s", "", "INFO"]);
    expect(byName("1B tokens/s (seq 2048)")[2]).toBe(`${Math.round(ours.tokens_per_sec as number)} (2.00× HF)`);
    expect(byName("1B tokens/s (seq 2048)")[5]).toBe("PASS");
    expect(byName("1B peak memory")[2]).toMatch(/ \(0\.25× HF\)$/);
    expect(byName("1B peak memory")[5]).toBe("PASS");
    expect(byName("1B MFU")[2]).toMatch(/^\d+\.\d %$/);

    // (4) The table of those rows is the last thing printed, and a FAIL row makes the exit status 1.
    const t = await table(kept);
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^step +check +ours +reference +target +status\n/);
    expect(r.stdout).toBe(`\n${t.stdout}`);
    expect(r.code, r.stderr).toBe(1);
  }, 120_000);

  it("with no first call in the work folder: the rows say the 1B figures are not there, and the 8B row why it has none", async () => {
    const fresh = path.join(tmp, "fresh");
    const r = await steps34(fresh);
    const dir = path.join(fresh, "hf");
    // Nothing of the first call runs (its parts' logs start "[steps 3-4] 3:" or "4: <part>"; rows are "row:").
    expect(r.stderr).not.toMatch(/^\[steps 3-4\] (3:|4: (HF PEFT throughput|ours throughput \(1B|.*profiled|ours decode))/m);
    const rows = rowsOf(fs.readFileSync(path.join(dir, "rows.tsv"), "utf8"));
    // The 1B rows are there and fail: the bench this call completes left nothing (it counts as run: ONLY_8B's call
    // follows a first call by design, so its missing figures are a failure, not a skip).
    const no1b = (check: string, target: string) => ["4", check, "our bench ran and gave no result (see the log)", "no HF result", target, "FAIL"];
    expect(rows).toEqual([
      NO_8B_MODEL,
      ["4", "HF PEFT throughput", "", `no result in ${dir}/throughput-hf.json`, "", "FAIL"],
      no1b("1B tokens/s (seq 2048)", "≥ 2× HF"),
      no1b("1B MFU", "≥ 45 %"),
      no1b("1B peak memory", "≤ 0.5× HF"),
      row8b("no 8B model (hf_make_model.py failed, see the log)", "MISSING"),
    ]);
    expect(list(dir)).toEqual(["rows.tsv"]);
    const t = await table(fresh);
    expect(r.stdout).toBe(`\n${t.stdout}`);
    expect(r.code, r.stderr).toBe(1);
  }, 60_000);

  it("with GPU_CHECK_SKIP_8B=1 as well: nothing is measured, the 1B rows are the kept ones and the 8B row says it was skipped", async () => {
    const copy = path.join(tmp, "both");
    fs.cpSync(kept, copy, { recursive: true });
    const r = await steps34(copy, { GPU_CHECK_SKIP_8B: "1" });
    expect(r.stderr).toContain("[steps 3-4] GPU_CHECK_ONLY_8B=1 with GPU_CHECK_SKIP_8B=1: nothing to measure");
    expect(r.stderr).not.toMatch(/^\[steps 3-4\] \d: /m);
    const rows = rowsOf(fs.readFileSync(path.join(copy, "hf", "rows.tsv"), "utf8"));
    expect(rows.map((x) => x[1])).toEqual(["bf16 GEMM peak (torch.matmul, this run)", "1B tokens/s (seq 2048)", "1B MFU", "1B peak memory", "8B tokens/s (seq 2048)"]);
    expect(rows.at(-1)).toEqual(row8b("skipped (GPU_CHECK_SKIP_8B=1)", "MISSING"));
    const t = await table(copy);
    expect(r.stdout).toBe(`\n${t.stdout}`);
    expect(r.code).toBe(t.code);
  }, 60_000);
});
