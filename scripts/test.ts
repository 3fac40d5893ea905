import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { CHROMIUM_INSTALL_HINT, chromiumPath } from "../lib/health/chromium";
import { ROOT } from "./lib/app";
import { awaitBackgroundBuild, startNativeTreeBuild, startNextBuild, type BackgroundBuild } from "./lib/background-build";
import { buildStale } from "./lib/build";
import { flushTestRedisExcept, prepareDatabase } from "./lib/database";
import { failureLines, nativeFailures, playwrightFailures, reportedFailures, vitestFailures, type Failure, type NativeReport, type VitestReport } from "./lib/failures";
import { logger, paint, seconds } from "./lib/log";
import { lowPriorityRun } from "./lib/low-priority";
import { ensureServices } from "./lib/services";
import { isE2eStackKey, testSettings } from "./lib/test-env";

// `npm test` (scripts/test.sh installs dependencies first): every tier, in order, against a test database
// and Redis db of their own. A failing tier does not stop the later ones, so one run shows everything
// that is broken; the exit code is non-zero if any tier failed.
//   npm test -- --only unit,int     run some tiers (typecheck, unit, int, native, e2e)

const log = logger("test", "blue");
const TIERS = ["typecheck", "unit", "int", "native", "e2e"] as const;
type Tier = (typeof TIERS)[number];
type Outcome = { tier: Tier; status: "passed" | "failed" | "not present"; ms: number; note?: string; failures?: Failure[] };

function parseTiers(argv: string[]): Tier[] {
  const { values } = parseArgs({ args: argv, options: { only: { type: "string" } }, strict: true });
  if (!values.only) return [...TIERS];
  const asked = values.only.split(",").map((s) => s.trim()).filter(Boolean);
  const bad = asked.filter((s) => !(TIERS as readonly string[]).includes(s));
  if (bad.length) throw new Error(`Unknown tier(s) ${bad.join(", ")}; tiers: ${TIERS.join(", ")}`);
  return TIERS.filter((t) => asked.includes(t));
}

/** Runs a command with the terminal attached (test runners print their own progress); resolves its exit code. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
    child.on("error", (err) => {
      log.error(`${command}: ${err.message}`);
      resolve(127);
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

/** Runs a command at low priority (beside another tier or set-up), its output kept in a file rather than interleaved
 *  with the foreground's; resolves its exit code, its output (without lowPriorityRun's command line) and duration. */
async function runBeside(command: string, args: string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<{ code: number; output: string; ms: number }> {
  const started = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tf-test-beside-"));
  try {
    const logFile = path.join(dir, "output.log");
    const code = await lowPriorityRun(command, args, { cwd: ROOT, env, logFile, signal });
    const output = fs.readFileSync(logFile, "utf8").split("\n").slice(1).join("\n").trimEnd();
    return { code, output, ms: Date.now() - started };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Prints what a tier that ran beside other work wrote, as one block. */
function printBesideOutput(tier: string, beside: string, output: string): void {
  if (output) console.log(`${paint("bold", `── ${tier}: its output (it ran beside ${beside}) ──`)}\n${output}\n${paint("bold", `── end of ${tier}'s output ──`)}`);
}

function hasNpmScript(name: string): boolean {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts?: Record<string, string> };
  return Boolean(pkg.scripts?.[name]);
}

async function main(): Promise<number> {
  const tiers = parseTiers(process.argv.slice(2));
  const t = testSettings();
  const bin = (p: string) => path.join(ROOT, "node_modules", p);
  const { E2E_BASE_URL: _external, ...inherited } = process.env;
  // Test runners get the test settings spelled out; vitest.config.ts and serve-e2e read the same variables.
  const env: NodeJS.ProcessEnv = {
    ...inherited,
    TEST_DATABASE_URL: t.databaseUrl,
    TEST_REDIS_URL: t.redisUrl,
    TEST_DATA_DIR: t.dataDir,
  };

  const setupStart = Date.now();
  // The typecheck tier runs beside set-up's native build, at low priority, when both run: that build (nvcc, CMake's
  // configure, links) leaves part of the CPU idle, and tsc needs nothing it builds. Its output is printed as one
  // block when its tier comes.
  const typecheckArgs = [bin("typescript/bin/tsc"), "--noEmit"];
  const typecheckBesideSetup = tiers.includes("typecheck") && tiers.some((tier) => tier !== "typecheck");
  // If set-up fails (Postgres cannot start, say), the run ends there, and so does the typecheck beside it.
  const setupFailed = new AbortController();
  const earlyTypecheck = typecheckBesideSetup ? runBeside(process.execPath, typecheckArgs, env, setupFailed.signal) : undefined;
  try {
    await ensureServices({ databaseUrl: t.databaseUrl, redisUrl: t.redisUrl, log });
    if (tiers.includes("int")) {
      // Every run starts from an empty database and Redis db (integration tests may leave rows behind), except the
      // e2e stacks' queues: they may be serving another run's browser tests on the same Redis database.
      await prepareDatabase({ url: t.databaseUrl, log, recreate: true });
      await flushTestRedisExcept(t.redisUrl, isE2eStackKey);
      fs.rmSync(t.dataDir, { recursive: true, force: true });
    }
    // Unit, integration and e2e tests load the native addon, so it is built (when stale) before any tier runs.
    // A failed build is reported and the tiers still run; tests that need the addon then fail with the reason.
    if (tiers.some((tier) => tier !== "typecheck")) await buildStale({ root: ROOT, env, log, only: ["native"] });
  } catch (err) {
    setupFailed.abort();
    await earlyTypecheck;
    throw err;
  }
  log.info(`set-up done in ${seconds(Date.now() - setupStart)}`);

  // Each runner also writes a JSON report, from which the summary names the failed tests (see lib/failures.ts).
  const reports = fs.mkdtempSync(path.join(os.tmpdir(), "tf-test-reports-"));

  // The native and e2e tiers' builds run at low priority during the int tier, in the CPU it leaves idle
  // (lib/background-build.ts). Not during unit, which keeps both cores busy: beside a build it took 110 s, alone 88.
  // The Next.js build comes first: the e2e tier starts as soon as int ends, and waits for it (behind the native tree,
  // it kept e2e waiting 167 s in a CI run), while the native tier runs beside e2e and can wait for its tree. The
  // Next.js build also waits for the typecheck tier (tsc reads .next/types, which the build rewrites).
  const ended = Object.fromEntries(TIERS.map((tier) => {
    let resolve = () => {};
    const promise = new Promise<void>((r) => (resolve = r));
    if (!tiers.includes(tier)) resolve();
    return [tier, { promise, resolve }];
  })) as Record<Tier, { promise: Promise<void>; resolve: () => void }>;
  const runsBefore = (tier: Tier, earlier: Tier) => tiers.includes(tier) && tiers.includes(earlier) && tiers.indexOf(earlier) < tiers.indexOf(tier);
  const background: Partial<Record<"native" | "e2e", BackgroundBuild>> = {};
  if (runsBefore("e2e", "int"))
    background.e2e = startNextBuild({
      root: ROOT,
      // The typecheck tier checks every file the build would (next.config.ts).
      env: tiers.includes("typecheck") ? { ...env, TUNEFORGE_BUILD_TYPECHECKED: "1" } : env,
      logDir: reports,
      after: Promise.all([ended.typecheck.promise, ended.unit.promise]),
    });
  if (runsBefore("native", "int")) background.native = startNativeTreeBuild({ root: ROOT, env, logDir: reports, after: Promise.all([ended.unit.promise, background.e2e?.done]) });
  for (const [tier, build] of Object.entries(background)) log.info(`the ${build.name} for the ${tier} tier builds in the background (nice 19) from the int tier on`);
  // The native tier runs beside the e2e tier, at low priority, when both run: e2e leaves about a quarter of the CPU
  // idle (its browser waits on the app, the app on its workers), and the native tests (C++ and the emulated GPU, pure
  // CPU work with minutes-long timeouts) take it; the e2e tests keep the CPU they ask for. Its output goes to a file
  // and is printed as one block when it ends, not interleaved with the browser tests' lines.
  const nativeBesideE2e = tiers.includes("native") && tiers.includes("e2e");
  const vitestTier = async (project: "unit" | "int"): Promise<Omit<Outcome, "tier" | "ms">> => {
    const report = path.join(reports, `${project}.json`);
    const code = await run(process.execPath, [bin("vitest/vitest.mjs"), "run", "--project", project, "--reporter=default", "--reporter=json", `--outputFile.json=${report}`], env);
    return { status: code === 0 ? "passed" : "failed", failures: reportedFailures(report, code, (r: VitestReport) => vitestFailures(r, ROOT)) };
  };
  // A tier that started before its turn (typecheck beside set-up) gives its own duration.
  const tierRuns: Record<Tier, () => Promise<Omit<Outcome, "tier" | "ms"> & { ms?: number }>> = {
    typecheck: async () => {
      if (!earlyTypecheck) return { status: (await run(process.execPath, typecheckArgs, env)) === 0 ? "passed" : "failed" };
      const { code, output, ms } = await earlyTypecheck;
      printBesideOutput("typecheck", "set-up", output);
      return { status: code === 0 ? "passed" : "failed", ms, note: "beside set-up, at low priority" };
    },
    unit: () => vitestTier("unit"),
    int: () => vitestTier("int"),
    // The native addon's own tests arrive with the addon, as an npm script; until then there is nothing to run.
    native: async () => {
      if (!hasNpmScript("test:native")) return { status: "not present", note: "no test:native script in package.json" };
      await awaitBackgroundBuild(background.native, log);
      const report = path.join(reports, "native.json");
      const nativeEnv = { ...env, TF_TEST_FAILURES_FILE: report };
      const args = ["run", "--silent", "test:native"];
      let code: number;
      if (nativeBesideE2e) {
        const beside = await runBeside("npm", args, nativeEnv);
        printBesideOutput("native", "e2e", beside.output);
        code = beside.code;
      } else code = await run("npm", args, nativeEnv);
      return { status: code === 0 ? "passed" : "failed", failures: reportedFailures(report, code, (r: NativeReport) => nativeFailures(r, ROOT)), note: nativeBesideE2e ? "beside e2e, at low priority" : undefined };
    },
    e2e: async () => {
      const chromium = chromiumPath();
      if (!fs.existsSync(chromium)) {
        log.error(`Chromium is missing at ${chromium}. Install it with:\n\n    ${CHROMIUM_INSTALL_HINT}\n`);
        return { status: "failed", note: "chromium missing" };
      }
      await awaitBackgroundBuild(background.e2e, log);
      try {
        // Build here rather than inside Playwright's webServer, whose start-up timeout should not cover a build.
        await buildStale({ root: ROOT, env: { ...env, NODE_ENV: "production" }, log });
      } catch (err) {
        log.error((err as Error).message);
        return { status: "failed", note: "next build failed" };
      }
      const report = path.join(reports, "e2e.json");
      const code = await run(process.execPath, [bin("@playwright/test/cli.js"), "test", "--reporter=list,json"], { ...env, PLAYWRIGHT_JSON_OUTPUT_FILE: report });
      return { status: code === 0 ? "passed" : "failed", failures: reportedFailures(report, code, playwrightFailures) };
    },
  };

  const outcomes: Outcome[] = [];
  const runTier = async (tier: Tier) => {
    const started = Date.now();
    const result = await tierRuns[tier]();
    outcomes.push({ tier, ...result, ms: result.ms ?? Date.now() - started });
    ended[tier].resolve();
  };
  let nativeRun: Promise<void> | undefined;
  for (const tier of tiers) {
    if (tier === "native" && nativeBesideE2e) {
      log.info(paint("bold", "── native ── (beside the e2e tier, at low priority; its output follows when it ends)"));
      nativeRun = runTier(tier);
      continue;
    }
    log.info(paint("bold", `── ${tier} ──`));
    await runTier(tier);
  }
  await nativeRun;
  outcomes.sort((a, b) => TIERS.indexOf(a.tier) - TIERS.indexOf(b.tier));

  const colour = { passed: "green", failed: "red", "not present": "gray" } as const;
  console.log(`\n${paint("bold", "test summary")}`);
  for (const o of outcomes) {
    const status = paint(colour[o.status], o.status.padEnd(11));
    console.log(`  ${o.tier.padEnd(10)} ${status} ${seconds(o.ms).padStart(8)}${o.note ? `  (${o.note})` : ""}`);
  }
  const failed = outcomes.filter((o) => o.status === "failed");
  console.log(`  ${"total".padEnd(10)} ${" ".repeat(11)} ${seconds(Date.now() - setupStart).padStart(8)}`);
  for (const o of failed) for (const line of failureLines(o.tier, o.failures ?? [])) console.log(paint("red", line));
  fs.rmSync(reports, { recursive: true, force: true });
  console.log(failed.length ? paint("red", `\n${failed.length} tier(s) failed: ${failed.map((o) => o.tier).join(", ")}`) : paint("green", "\nall tiers passed"));
  return failed.length ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
