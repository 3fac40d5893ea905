import { spawn } from "node:child_process";
import path from "node:path";

// Test-only: a command as other tools (and native/gpu/check.sh) run it: the real `tuneforge` bin or a shell
// script in a child process, its output collected. The child inherits the environment, so under the vitest "emu"
// project it loads the addon linked against the CUDA emulator (TUNEFORGE_NATIVE_ADDON).

export type Run = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export const TUNEFORGE_BIN = path.resolve("bin/tuneforge.mjs");

export function runProcess(file: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    // "close", not "exit": Node fires "exit" when the process ends, possibly before its stdout/stderr pipes are
    // drained (and a process it left running may still hold them); "close" comes after both streams ended.
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export const runTuneforge = (args: string[], cwd: string): Promise<Run> => runProcess(process.execPath, [TUNEFORGE_BIN, ...args], { cwd });

/** The one JSON object a `--json` command printed, after checking it exited 0 (its stderr is the failure message). */
export function jsonOf<T = Record<string, unknown>>(r: Run): T {
  if (r.code !== 0) throw new Error(`exit ${r.code ?? r.signal}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}
