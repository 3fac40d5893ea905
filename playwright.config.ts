import { defineConfig, devices } from "@playwright/test";
import { CHROMIUM_ARGS, chromiumPath } from "./lib/health/chromium";

// e2e against the real app + workers + OpenAI emulator, started by scripts/serve-e2e.ts on port 3100.
// Browsers cannot be downloaded on these machines, so Playwright drives the system Chromium (lib/health/chromium.ts:
// the headless shell when installed).
// E2E_BASE_URL points the tests at a server you already run (development only); no server is started then.
// E2E_PORT moves the started server (and its emulator to E2E_PORT + 99) so two checkouts can run e2e at once.
const externalBaseURL = process.env.E2E_BASE_URL;
const port = Number(process.env.E2E_PORT ?? 3100);
const baseURL = externalBaseURL ?? `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: true,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [["list"]],
  use: {
    ...devices["Desktop Chrome"],
    baseURL,
    // A common laptop screen: the layout must read well at this size.
    viewport: { width: 1366, height: 768 },
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: { executablePath: chromiumPath(), args: CHROMIUM_ARGS },
  },
  webServer: externalBaseURL
    ? undefined
    : {
        command: `npx tsx scripts/serve-e2e.ts --port ${port} --emulator-port ${port + 99}`,
        url: `http://127.0.0.1:${port}/api/health`,
        timeout: 240_000,
        reuseExistingServer: false,
        // Let web + workers close cleanly (heartbeat removed) instead of being killed.
        gracefulShutdown: { signal: "SIGTERM", timeout: 5000 },
        stdout: "pipe",
        stderr: "pipe",
      },
});
