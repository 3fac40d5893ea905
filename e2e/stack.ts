import { test as base, expect } from "@playwright/test";
import { testSettings } from "../scripts/lib/test-env";

// Every spec imports `test` from here, not from @playwright/test: Playwright worker k (its parallel index) talks to
// e2e stack k only (web, workers and OpenAI emulator with their own database, queues and data; see
// scripts/lib/test-env.ts and playwright.config.ts), so spec files running side by side never see each other's
// state. The config itself sets no baseURL, so a spec that bypassed this fixture would fail on its first relative
// URL instead of quietly using another worker's stack.

/** This worker's stack (testSettings() reads Playwright's TEST_PARALLEL_INDEX in a worker). */
const stack = testSettings();

/** The OpenAI emulator of this worker's stack (E2E_OPENAI_BASE_URL points the specs that take one elsewhere). */
export const EMULATOR = stack.e2eEmulatorUrl;

export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern -- Playwright reads a fixture's dependencies from this pattern
  baseURL: async ({}, use) => {
    await use(process.env.E2E_BASE_URL ?? stack.e2eBaseUrl);
  },
});

export { expect };
