import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectBuiltOursAlone, fakeOursTree, rowsOf, runSteps34, tableOf, type FakeTree } from "./steps-testing";

// A later call on a lent machine: `GPU_CHECK_FAMILIES="lfm2 phi4minilong" bash native/gpu/steps-3-4.sh` runs those
// step-3 family rows alone, for the ones check.sh's deadline cut in the first call (native/gpu/README.md). A GPU
// session runs it with no minutes to spare, so it runs here first, as far as a machine without torch goes:
// gpu_ours_emu (our side on the CUDA emulator) is found and asked its backends as on the GPU; the models cannot be
// generated without torch, so each asked-for row fails at its generator, and nothing else of steps 3-4 runs.
// The CMake tree is gpu_ours_emu alone; `cmake` only records how it was called (steps-testing.ts).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-families-"));
const work = path.join(tmp, "work");
let tree: FakeTree;
const failedAtGenerator = (label: string, shape: string) =>
  ["3", `${label} logits/loss/grads vs HF (cuda)`, `hf_make_model.py --shape ${shape} failed (see log)`, "HF PEFT fp32", "bf16 tolerance", "FAIL"];

beforeAll(() => {
  tree = fakeOursTree(tmp);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("steps-3-4.sh GPU_CHECK_FAMILIES: chosen family rows alone, on the emulated device without torch", () => {
  it("runs only the named rows, in the table's order, and gives a name that is no family row a FAIL row listing the names", async () => {
    const r = await runSteps34(tree, work, { GPU_CHECK_FAMILIES: "lfm2, nosuch phi4minilong" });
    expect(r.stderr).toContain(`[steps 3-4] our backends: cpu,cuda; work folder ${path.join(work, "hf")}`);
    expectBuiltOursAlone(tree);
    // Only the two rows' generators ran: no 1B model, no HF reference, no bench, profile or decode row.
    const parts = [...r.stderr.matchAll(/^\[steps 3-4\] (\d: [^…\n]*)…$/gm)].map((m) => m[1]);
    expect(parts).toEqual(["3: generate the Phi-4-mini long factors-shaped model", "3: generate the LFM2-shaped model"]);
    expect(r.stderr).toMatch(/hf_make_model: No module named '(torch|transformers|peft)'/);
    const rows = rowsOf(fs.readFileSync(path.join(work, "hf", "rows.tsv"), "utf8"));
    expect(rows[0]).toEqual(["3", "GPU_CHECK_FAMILIES", expect.stringMatching(/^no family row "nosuch" \(the names: qwen3 gemma3 .* phi4minilong .* lfm2\)$/), "", "", "FAIL"]);
    expect(rows.slice(1)).toEqual([failedAtGenerator("Phi-4-mini long factors", "phi4minilong"), failedAtGenerator("LFM2", "lfm2")]);
    expect(r.stderr).toContain("(GPU_CHECK_FAMILIES=lfm2, nosuch phi4minilong: those rows alone)");
    // The table of those rows is the last thing printed; its FAIL rows make the exit status 1.
    const t = await tableOf(work);
    expect(r.stdout).toBe(`\n${t.stdout}`);
    expect(t.code).toBe(1);
    expect(r.code, r.stderr).toBe(1);
  }, 60_000);
});
