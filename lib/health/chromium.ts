import { spawnSync } from "node:child_process";
import fs from "node:fs";

// Which Chromium the e2e tests, the browser benchmarks and `tuneforge doctor` use. Browsers cannot be downloaded on
// these machines, so it is Debian's.
//
// Debian's chromium-headless-shell comes first. It is Chromium's own headless build (the one Playwright runs for
// headless tests when it may download browsers): the same Blink and V8 without the full browser's windowing and UI
// layers. Here it took about a third less CPU per e2e test than the full browser (datasets-table.spec.ts: 51.7 s →
// 34.9 s of test time), and the e2e tier is CPU-bound. The full browser (package chromium) still works.
export const CHROMIUM_CANDIDATES = ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"] as const;

/** What to run when none is installed. */
export const CHROMIUM_INSTALL_HINT = "apt-get install -y chromium-headless-shell";

/**
 * Flags beyond Playwright's own (which already pass --headless, --no-sandbox, --no-first-run and keep Chromium off the
 * network for updates and sync): no GPU on these machines, and no QUIC to a server on loopback.
 */
export const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic"];

/**
 * The Chromium to run: CHROMIUM_PATH when set (as given, even if missing, so the error names it), else the first
 * candidate that exists, else the first candidate (missing; callers report it with CHROMIUM_INSTALL_HINT).
 */
export function chromiumPath(env: Partial<NodeJS.ProcessEnv> = process.env, exists: (p: string) => boolean = fs.existsSync): string {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  return CHROMIUM_CANDIDATES.find((p) => exists(p)) ?? CHROMIUM_CANDIDATES[0];
}

export type ChromiumStatus = { found: boolean; path: string; version: string | null; error?: string };

export function chromiumStatus(executable: string = chromiumPath()): ChromiumStatus {
  if (!fs.existsSync(executable)) return { found: false, path: executable, version: null };
  const r = spawnSync(executable, ["--version"], { encoding: "utf8", timeout: 10_000 });
  const version = r.stdout?.split("\n").find((l) => /\d+\.\d+/.test(l))?.trim() ?? null;
  if (r.status !== 0 || !version) {
    const why = r.error?.message ?? (r.stderr?.trim().split("\n")[0] || `exit code ${r.status}`);
    return { found: true, path: executable, version: null, error: why };
  }
  return { found: true, path: executable, version };
}
