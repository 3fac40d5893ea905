import fs from "node:fs";
import path from "node:path";
import { buildStale } from "./build";
import type { Logger } from "./log";
import { LOW_PRIORITY_NICE, lowPriorityRun } from "./low-priority";

// Builds that later test tiers need, started early at the lowest CPU priority (low-priority.ts). On two cores the int
// tier leaves about a third of the CPU idle while it waits on Postgres, Redis and its worker processes; these builds
// take that idle time instead of running on their own when their tier comes (the C++ test tree took ~2.5 min of a CI
// run, the Next.js build ~1 min), so callers start them where CPU is idle.
// The tier that needs a build awaits it and then runs its usual build step, which finds everything up to date, or,
// after a failure here, builds again in the foreground with its errors in the tier's own output.

export type BackgroundBuild = {
  name: string;
  /** Resolves true when the build succeeded, false otherwise (never rejects). */
  done: Promise<boolean>;
  logFile: string;
};

function logStream(dir: string, name: string): { file: string; stream: fs.WriteStream } {
  const file = path.join(dir, `background-${name}.log`);
  return { file, stream: fs.createWriteStream(file) };
}

/** The C++ test tree (native/build/cmake, configured and built as `npm run test:native` does), once `after` resolves. */
export function startNativeTreeBuild(opts: { root: string; env: NodeJS.ProcessEnv; logDir: string; after: Promise<unknown> }): BackgroundBuild {
  const file = path.join(opts.logDir, "background-native.log");
  const done = (async () => {
    await opts.after;
    return (await lowPriorityRun(process.execPath, [path.join(opts.root, "native/tools/test-native.mjs"), "--build-only"], { cwd: opts.root, env: opts.env, logFile: file })) === 0;
  })();
  return { name: "native test tree", done, logFile: file };
}

/** The Next.js production build the e2e tier serves, once `after` resolves. */
export function startNextBuild(opts: { root: string; env: NodeJS.ProcessEnv; logDir: string; after: Promise<unknown> }): BackgroundBuild {
  const { file, stream } = logStream(opts.logDir, "next");
  const write = (text: string) => stream.write(text);
  const quiet: Logger = { info: (m) => write(`${m}\n`), warn: (m) => write(`${m}\n`), error: (m) => write(`${m}\n`) };
  const done = (async () => {
    await opts.after;
    try {
      await buildStale({ root: opts.root, env: { ...opts.env, NODE_ENV: "production" }, log: quiet, only: ["next"], nice: LOW_PRIORITY_NICE, output: write });
      return true;
    } catch (err) {
      write(`${(err as Error).message}\n`);
      return false;
    } finally {
      await new Promise<void>((resolve) => stream.end(resolve));
    }
  })();
  return { name: "Next.js app", done, logFile: file };
}

/** Waits for a background build and says how long the tier waited; on failure, its log's last lines. */
export async function awaitBackgroundBuild(build: BackgroundBuild | undefined, log: Logger): Promise<void> {
  if (!build) return;
  const started = Date.now();
  const ok = await build.done;
  const waited = ((Date.now() - started) / 1000).toFixed(1);
  if (ok) {
    log.info(`${build.name} build (run in the background at low priority) is ready; waited ${waited} s for it`);
    return;
  }
  const tail = fs.existsSync(build.logFile) ? fs.readFileSync(build.logFile, "utf8").trimEnd().split("\n").slice(-15).join("\n") : "(no log)";
  log.warn(`the background ${build.name} build failed; building again in the foreground. Its last lines:\n${tail}`);
}
