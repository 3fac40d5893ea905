import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { runProcess, type Run } from "../../cli/testing/run-bin";

// What the tests of steps-3-4.sh's later calls on a lent machine (only-8b.emu.test.ts, families.emu.test.ts) share:
// a CMake tree that is gpu_ours_emu alone, as `npm run test:native` built it, and a `cmake` on PATH that only records
// how it was called (building is check.sh's dry run's business, gpu-ours.emu.test.ts), and the rows they write.

export const OURS = path.resolve("native/build/cmake/gpu_ours_emu");
export const GPU = path.resolve("native/gpu");

export type FakeTree = { build: string; bin: string; cmakeCalls: string };

/** The tree and the recording cmake in `dir`. */
export function fakeOursTree(dir: string): FakeTree {
  const tree = { build: path.join(dir, "build"), bin: path.join(dir, "bin"), cmakeCalls: path.join(dir, "cmake-calls.txt") };
  fs.mkdirSync(tree.build);
  fs.writeFileSync(path.join(tree.build, "CMakeCache.txt"), "");
  fs.symlinkSync(OURS, path.join(tree.build, "gpu_ours_emu"));
  fs.mkdirSync(tree.bin);
  fs.writeFileSync(path.join(tree.bin, "cmake"), `#!/bin/sh\nprintf '%s\\n' "$*" >>'${tree.cmakeCalls}'\n`, { mode: 0o755 });
  return tree;
}

/** steps-3-4.sh run alone on the tree (rows.tsv in `work`'s hf folder, printed as the table), with `env` on top. */
export function runSteps34(tree: FakeTree, work: string, env: Record<string, string>): Promise<Run> {
  fs.rmSync(tree.cmakeCalls, { force: true });
  return runProcess("bash", [path.join(GPU, "steps-3-4.sh")], {
    cwd: process.cwd(),
    env: {
      GPU_CHECK_ROWS: "",
      GPU_CHECK_DIR: work,
      GPU_CHECK_BUILD: tree.build,
      GPU_CHECK_TARGET_SUFFIX: "_emu",
      PYTHON: "python3",
      PATH: `${tree.bin}:${process.env.PATH}`,
      ...env,
    },
  });
}

/** The call asked cmake for gpu_ours_emu alone. */
export function expectBuiltOursAlone(tree: FakeTree): void {
  expect(fs.readFileSync(tree.cmakeCalls, "utf8").trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^--build ${tree.build} -j \\d+ --target gpu_ours_emu$`))]);
}

export const rowsOf = (text: string): string[][] => text.split("\n").filter((l) => l.trim()).map((l) => l.split("\t"));

/** hf_rows.py's table of a work folder's rows.tsv (what a call prints last), and its exit status. */
export function tableOf(work: string): Promise<Run> {
  return runProcess("python3", [path.join(GPU, "hf_rows.py"), "table", "--rows", path.join(work, "hf", "rows.tsv")], { cwd: process.cwd() });
}
