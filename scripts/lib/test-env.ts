import path from "node:path";
import { z } from "zod";

// Where the tests keep their state. Same variables and defaults as vitest.config.ts, so `npm test`, vitest
// run alone and the e2e server agree; override them to run two checkouts' tests side by side.
// (The app's own configuration lives in lib/env.ts; these variables only steer the test harness.)

const schema = z.object({
  TEST_DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/tuneforge_test"),
  TEST_REDIS_URL: z.string().url().default("redis://127.0.0.1:6379/1"),
  TEST_DATA_DIR: z.string().min(1).default("data/test"),
});

export type TestSettings = {
  databaseUrl: string;
  /** The e2e server's own database (`<test db>_e2e`), recreated at each e2e run. */
  e2eDatabaseUrl: string;
  redisUrl: string;
  dataDir: string;
  e2eDataDir: string;
  /** The e2e stack's BullMQ/pub-sub prefix. It differs from the vitest tiers' (VITEST_QUEUE_PREFIX) although both
   *  use the same Redis database: a vitest GPU worker run by hand during a CI run's e2e tier used to take the e2e
   *  stack's jobs, and the other way round. */
  e2eQueuePrefix: string;
};

/** The int and emu tiers' queue prefix (vitest.config.ts); never the e2e stack's. */
export const VITEST_QUEUE_PREFIX = "tuneforge-test";

export function testSettings(source: Record<string, string | undefined> = process.env): TestSettings {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const v = schema.parse(cleaned);
  const e2e = new URL(v.TEST_DATABASE_URL);
  e2e.pathname = `${e2e.pathname}_e2e`;
  return {
    databaseUrl: v.TEST_DATABASE_URL,
    e2eDatabaseUrl: e2e.toString(),
    redisUrl: v.TEST_REDIS_URL,
    dataDir: path.resolve(v.TEST_DATA_DIR),
    e2eDataDir: path.resolve("data/e2e"),
    e2eQueuePrefix: "tuneforge-e2e",
  };
}

/** The generated model folder (under the e2e data dir's models/) that local-training specs pick. */
export const E2E_TINY_MODEL = "tiny-chat";
