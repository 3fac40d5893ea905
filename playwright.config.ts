import os from "node:os";
import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./lib/health/chromium";
import { testSettings } from "./scripts/lib/test-env";

// e2e against the real app + workers + OpenAI emulator, started by scripts/serve-e2e.ts: one stack per worker
// (stack k: web on E2E_PORT + k, default 3100 + k, its emulator on E2E_PORT + 99 + k, its own database, queues and
// data). Worker k drives stack k only (e2e/stack.ts), so spec files run side by side without seeing each other.
// One stack keeps about two cores busy (Chromium's rendering most of it, then the server and Postgres): two stacks on
// a 2-core machine took as long as one (8.0 min each), so there is one stack per two cores, at most four.
// E2E_WORKERS=N overrides that.
// Browsers cannot be downloaded on these machines, so Playwright drives the system Chromium (lib/health/chromium.ts:
// the headless shell when installed).
// E2E_BASE_URL points the tests at a server you already run (development only): one worker, no server started.
// E2E_PORT moves the started stacks' ports so two checkouts can run e2e at once.
const externalBaseURL = process.env.E2E_BASE_URL;
const stacks = externalBaseURL ? 1 : Math.max(1, Number(process.env.E2E_WORKERS) || Math.min(4, Math.floor(os.availableParallelism() / 2)));

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  // Files are spread over the workers; a file's tests run in order on one worker (some build on the one before).
  fullyParallel: false,
  workers: stacks,
  // A failed test runs once more, traced (below), so the report holds a trace of the failure. A test that then
  // passes still fails the run (failOnFlakyTests) and `npm test` names it as flaky: a retry never hides a failure.
  retries: 1,
  failOnFlakyTests: true,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    // No baseURL here: e2e/stack.ts gives each worker its own stack's.
    // A common laptop screen: the layout must read well at this size.
    viewport: { width: 1366, height: 768 },
    // The retry of a failed test is traced: DOM snapshots around every action (the trace viewer renders them),
    // network, console. Tracing every run cost 17 % of the tier's CPU (164 against 136 core-seconds over three spec
    // files) for traces that a green run throws away; the screencast, 16 % more, is left out even on the retry.
    // "only-on-failure" below still keeps the page as it failed the first time.
    trace: { mode: "on-first-retry", screenshots: false },
    screenshot: "only-on-failure",
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
  webServer: externalBaseURL
    ? undefined
    : Array.from({ length: stacks }, (_, k) => ({
        command: `npx tsx scripts/serve-e2e.ts --stack ${k}`,
        url: `${testSettings({ ...process.env, E2E_STACK: String(k) }).e2eBaseUrl}/api/health`,
        timeout: 240_000,
        reuseExistingServer: false,
        // Let web + workers close cleanly (heartbeat removed) instead of being killed.
        gracefulShutdown: { signal: "SIGTERM" as const, timeout: 5000 },
        stdout: "pipe" as const,
        stderr: "pipe" as const,
      })),
});
