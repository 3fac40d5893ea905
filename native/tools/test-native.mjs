// `npm run test:native`: configure + build the CMake tree in native/build/cmake (Release, -j2), run ctest,
// and end with one line "N passed, N failed" counting test cases across all executables. An executable that
// died before writing its counts (crash, timeout) counts as one failure, so the total never hides it.
// `--build-only`: configure and build, no tests (npm test builds the tree this way in the background, at low
// priority, while earlier tiers run: scripts/lib/background-build.ts).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { vitestCounts } from "./vitest-counts.mjs";

const nativeDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const buildDir = path.join(nativeDir, "build", "cmake");
const jobs = String(Math.max(1, Math.min(os.cpus().length, Number(process.env.TF_BUILD_JOBS) || 2)));

function run(cmd, args, env = process.env, cwd = undefined) {
  const r = spawnSync(cmd, args, { stdio: "inherit", env, cwd });
  if (r.error) {
    console.error(`test:native: cannot run ${cmd}: ${r.error.message}`);
    return 127;
  }
  return r.status ?? 1;
}

fs.mkdirSync(buildDir, { recursive: true });
if (run("cmake", ["-S", nativeDir, "-B", buildDir, "-DCMAKE_BUILD_TYPE=Release"]) !== 0) {
  console.error("test:native: cmake configure failed (is cmake >= 3.16 installed?)");
  console.log("0 passed, 1 failed");
  process.exit(1);
}
if (run("cmake", ["--build", buildDir, "-j", jobs]) !== 0) {
  console.error("test:native: build failed");
  console.log("0 passed, 1 failed");
  process.exit(1);
}

if (process.argv[2] === "--build-only") process.exit(0);

const summaryDir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-native-tests-"));
// ctest runs in the build folder (ctest --test-dir needs CMake 3.20; we support 3.16). Extra arguments pass
// through, e.g. `npm run test:native -- -R nf4`.
const ctestArgs = ["--output-on-failure", "-j", jobs, ...process.argv.slice(2)];
const status = run("ctest", ctestArgs, { ...process.env, TF_TEST_SUMMARY_DIR: summaryDir }, buildDir);

// Which executables ctest ran (so a crashed one, with no summary file, is counted).
const listed = spawnSync("ctest", ["-N", ...process.argv.slice(2)], { encoding: "utf8", cwd: buildDir });
const names = (listed.stdout || "").split("\n").map((l) => l.match(/Test\s+#\d+:\s+(\S+)/)?.[1]).filter(Boolean);

let passed = 0;
let failed = 0;
// For `npm test`'s closing summary (TF_TEST_FAILURES_FILE, written at the end): which programs failed, and the emu
// tests' JSON report, which scripts/lib/failures.ts reads.
const failures = { ctest: [], emu: null };
for (const name of names) {
  const file = path.join(summaryDir, `${name}.txt`);
  if (!fs.existsSync(file)) {
    console.error(`test:native: ${name} wrote no summary (crashed or timed out)`);
    failures.ctest.push({ name, message: "wrote no summary (crashed or timed out); its output is above" });
    failed += 1;
    continue;
  }
  const [p, f] = fs.readFileSync(file, "utf8").trim().split(/\s+/).map(Number);
  passed += p;
  failed += f;
  if (f > 0) failures.ctest.push({ name, message: `${f} case(s) failed; its output is above` });
}
fs.rmSync(summaryDir, { recursive: true, force: true });
if (status !== 0 && failed === 0) failed = 1;  // ctest failed for a reason the counts did not capture

// The TypeScript side's cuda paths (binding, GPU worker, CLI) on the addon linked against the CUDA emulator
// (cuda/emu/addon.cmake), built above: the vitest projects "emu" and "emu-services", *.emu.test.ts. Only with ctest's selection
// untouched (`npm run test:native -- -R x` runs C++ tests only).
const emuAddon = path.join(buildDir, "tuneforge_native_emu.node");
let emuStatus = 0;
if (process.argv.length <= 2 && fs.existsSync(emuAddon)) {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tf-emu-vitest-")), "report.json");
  const vitest = path.join(nativeDir, "..", "node_modules", "vitest", "vitest.mjs");
  emuStatus = run(process.execPath, [vitest, "run", "--project", "emu", "--project", "emu-services", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`],
    { ...process.env, TUNEFORGE_NATIVE_ADDON: emuAddon }, path.join(nativeDir, ".."));
  if (fs.existsSync(report)) {
    // A file that failed to load or whose beforeAll threw counts as one failure (vitest's own count has none).
    failures.emu = JSON.parse(fs.readFileSync(report, "utf8"));
    const c = vitestCounts(failures.emu);
    passed += c.passed;
    failed += c.failed;
    console.log(`test:native: emulated-GPU TypeScript tests: ${c.passed} passed, ${c.failed} failed` +
      (c.broken ? ` (${c.broken} file(s) failed before their tests ran)` : ""));
  }
  if (emuStatus !== 0 && failed === 0) failed = 1;  // vitest failed for a reason the counts did not capture
  fs.rmSync(path.dirname(report), { recursive: true, force: true });
} else if (process.argv.length <= 2) {
  // (With a ctest selection the emu tests are not run, so a missing addon is not this run's failure.)
  // Missing only when the emulator is switched off on purpose; otherwise the build lost it, and that is a failure.
  const cache = fs.readFileSync(path.join(buildDir, "CMakeCache.txt"), "utf8");
  const off = /^TF_CUDA_EMULATOR:BOOL=OFF$/m.test(cache);
  console.log(`test:native: no ${emuAddon} (${off ? "TF_CUDA_EMULATOR=OFF" : "see the CMake messages above"}); the emulated-GPU TypeScript tests did not run`);
  if (!off) failed += 1;
}
console.log(`${passed} passed, ${failed} failed`);
if (process.env.TF_TEST_FAILURES_FILE) fs.writeFileSync(process.env.TF_TEST_FAILURES_FILE, JSON.stringify(failures));
process.exit(status === 0 && emuStatus === 0 && failed === 0 ? 0 : 1);
