import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess } from "../../cli/testing/run-bin";

// A later call on a lent machine: `GPU_CHECK_FAMILIES="lfm2 phi4minilong" bash native/gpu/steps-3-4.sh` runs those
// step-3 family rows alone, for the ones check.sh's deadline cut in the first call (native/gpu/README.md). A GPU
// session runs it with no minutes to spare, so it runs here first, as far as a machine without torch goes:
// gpu_ours_emu (our side on the CUDA emulator) is found and asked its backends as on the GPU; the models cannot be
// generated without torch, so each asked-for row fails at its generator, and nothing else of steps 3-4 runs.
// The CMake tree is gpu_ours_emu as `npm run test:native` built it; `cmake` only records how it was called.

const OURS = path.resolve("native/build/cmake/gpu_ours_emu");
const GPU = path.resolve("native/gpu");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gpu-families-"));
const build = path.join(tmp, "build");
const bin = path.join(tmp, "bin");
const cmakeCalls = path.join(tmp, "cmake-calls.txt");
const work = path.join(tmp, "work");

const rowsOf = (text: string): string[][] => text.split("\n").filter((l) => l.trim()).map((l) => l.split("\t"));
const failedAtGenerator = (label: string, shape: string) =>
  ["3", `${label} logits/loss/grads vs HF (cuda)`, `hf_make_model.py --shape ${shape} failed (see log)`, "HF PEFT fp32", "bf16 tolerance", "FAIL"];

beforeAll(() => {
  fs.mkdirSync(build);
  fs.writeFileSync(path.join(build, "CMakeCache.txt"), "");
  fs.symlinkSync(OURS, path.join(build, "gpu_ours_emu"));
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, "cmake"), `#!/bin/sh\nprintf '%s\\n' "$*" >>'${cmakeCalls}'\n`, { mode: 0o755 });
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("steps-3-4.sh GPU_CHECK_FAMILIES: chosen family rows alone, on the emulated device without torch", () => {
  it("runs only the named rows, in the table's order, and gives a name that is no family row a FAIL row listing the names", async () => {
    const r = await runProcess("bash", [path.join(GPU, "steps-3-4.sh")], {
      cwd: process.cwd(),
      env: {
        GPU_CHECK_FAMILIES: "lfm2, nosuch phi4minilong",
        GPU_CHECK_ROWS: "", // run alone: rows.tsv in the work folder, printed as the table
        GPU_CHECK_DIR: work,
        GPU_CHECK_BUILD: build,
        GPU_CHECK_TARGET_SUFFIX: "_emu",
        PYTHON: "python3",
        PATH: `${bin}:${process.env.PATH}`,
      },
    });
    expect(r.stderr).toContain(`[steps 3-4] our backends: cpu,cuda; work folder ${path.join(work, "hf")}`);
    expect(fs.readFileSync(cmakeCalls, "utf8").trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^--build ${build} -j \\d+ --target gpu_ours_emu$`))]);
    // Only the two rows' generators ran: no 1B model, no HF reference, no bench, profile or decode row.
    const parts = [...r.stderr.matchAll(/^\[steps 3-4\] (\d: [^…\n]*)…$/gm)].map((m) => m[1]);
    expect(parts).toEqual(["3: generate the Phi-4-mini long factors-shaped model", "3: generate the LFM2-shaped model"]);
    expect(r.stderr).toMatch(/hf_make_model: No module named '(torch|transformers|peft)'/);
    const rows = rowsOf(fs.readFileSync(path.join(work, "hf", "rows.tsv"), "utf8"));
    expect(rows[0]).toEqual(["3", "GPU_CHECK_FAMILIES", expect.stringMatching(/^no family row "nosuch" \(the names: qwen3 gemma3 .* phi4minilong .* lfm2\)$/), "", "", "FAIL"]);
    expect(rows.slice(1)).toEqual([failedAtGenerator("Phi-4-mini long factors", "phi4minilong"), failedAtGenerator("LFM2", "lfm2")]);
    expect(r.stderr).toContain("(GPU_CHECK_FAMILIES=lfm2, nosuch phi4minilong: those rows alone)");
    // The table of those rows is the last thing printed; its FAIL rows make the exit status 1.
    const t = await runProcess("python3", [path.join(GPU, "hf_rows.py"), "table", "--rows", path.join(work, "hf", "rows.tsv")], { cwd: process.cwd() });
    expect(r.stdout).toBe(`\n${t.stdout}`);
    expect(t.code).toBe(1);
    expect(r.code, r.stderr).toBe(1);
  }, 60_000);
});
