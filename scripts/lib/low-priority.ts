import { spawn } from "node:child_process";
import fs from "node:fs";

// Work that runs beside a test tier at the lowest CPU priority (nice 19), with its output in a file instead of the
// terminal the tier prints to: the background builds (background-build.ts) and `npm test`'s native tier beside e2e.
// Nice 19 gives the foreground most of the CPU, not all of it: a CPU-bound tier beside two nice-19 busy loops took
// 108 s instead of 88 here, so this goes where the foreground leaves CPU idle.

export const LOW_PRIORITY_NICE = 19;

/** Runs `command` under `nice -n 19`, its stdout and stderr written to `logFile` (created or emptied); resolves its
 *  exit code once the file is complete (127 when it could not start, 128 when a signal ended it). `signal` ends it
 *  early (SIGTERM to the command: `nice` runs it in its own place), e.g. when the work it ran beside has failed. */
export async function lowPriorityRun(
  command: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; logFile: string; signal?: AbortSignal },
): Promise<number> {
  const log = fs.createWriteStream(opts.logFile);
  const code = await new Promise<number>((resolve) => {
    log.write(`$ ${command} ${args.join(" ")}\n`);
    const child = spawn("nice", ["-n", String(LOW_PRIORITY_NICE), command, ...args], { cwd: opts.cwd, env: opts.env, stdio: ["ignore", "pipe", "pipe"] });
    const stop = () => child.kill("SIGTERM");
    if (opts.signal?.aborted) stop();
    opts.signal?.addEventListener("abort", stop, { once: true });
    child.on("exit", () => opts.signal?.removeEventListener("abort", stop));
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on("error", (err) => {
      log.write(`${command}: ${err.message}\n`);
      resolve(127);
    });
    child.on("close", (exit, signal) => resolve(exit ?? (signal ? 128 : 1)));
  });
  await new Promise<void>((resolve) => log.end(resolve));
  return code;
}
