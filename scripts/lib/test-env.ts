import path from "node:path";
import { z } from "zod";

// Where the tests keep their state. Same variables and defaults as vitest.config.ts, so `npm test`, vitest
// run alone and the e2e server agree; override them to run two checkouts' tests side by side.
// (The app's own configuration lives in lib/env.ts; these variables only steer the test harness.)
//
// The e2e tier runs one stack per Playwright worker (playwright.config.ts): stack k is a web server, its workers
// and an OpenAI emulator with a database, data directory, queue prefix and ports of their own, and Playwright's
// worker k (TEST_PARALLEL_INDEX) only talks to stack k. So two spec files running at once never see each other's
// datasets, jobs, settings or emulator faults, as if each ran alone.

const schema = z.object({
  TEST_DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/tuneforge_test"),
  TEST_REDIS_URL: z.string().url().default("redis://127.0.0.1:6379/1"),
  TEST_DATA_DIR: z.string().min(1).default("data/test"),
  // The first stack's web port; stack k listens on E2E_PORT + k and its emulator on E2E_PORT + 99 + k.
  E2E_PORT: z.coerce.number().int().min(1).max(65_000).default(3100),
  // Which stack: serve-e2e is told (--stack), a Playwright worker has its parallel index.
  E2E_STACK: z.coerce.number().int().min(0).max(49).optional(),
  TEST_PARALLEL_INDEX: z.coerce.number().int().min(0).optional(),
});

export type TestSettings = {
  databaseUrl: string;
  /** This e2e stack's own database (`<test db>_e2e_<k>`), recreated at each e2e run. */
  e2eDatabaseUrl: string;
  redisUrl: string;
  dataDir: string;
  e2eDataDir: string;
  /** This e2e stack's BullMQ/pub-sub prefix (`tuneforge-e2e-<k>`). It differs from the vitest tiers'
   *  (VITEST_QUEUE_PREFIX) although both use the same Redis database: a vitest GPU worker run by hand during a CI
   *  run's e2e tier used to take the e2e stack's jobs, and the other way round. */
  e2eQueuePrefix: string;
  e2eStack: number;
  /** Where this stack's web server and OpenAI emulator listen: web on E2E_PORT + k, the emulator on E2E_PORT + 99 + k
   *  (so up to 99 stacks never overlap), both on 127.0.0.1. */
  e2ePorts: { web: number; emulator: number };
  e2eBaseUrl: string;
  e2eEmulatorUrl: string;
};

/** The int and emu tiers' queue prefix (vitest.config.ts); never an e2e stack's. */
export const VITEST_QUEUE_PREFIX = "tuneforge-test";

/** Stack k's queue prefix is `${E2E_QUEUE_STEM}-k`. */
const E2E_QUEUE_STEM = "tuneforge-e2e";

/** Whether a Redis key belongs to an e2e stack (any of them): what `npm test`'s clean start leaves alone. */
export function isE2eStackKey(key: string): boolean {
  return key.startsWith(`${E2E_QUEUE_STEM}-`) && /^\d+:/.test(key.slice(E2E_QUEUE_STEM.length + 1));
}

export function testSettings(source: Record<string, string | undefined> = process.env): TestSettings {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const v = schema.parse(cleaned);
  const stack = v.E2E_STACK ?? v.TEST_PARALLEL_INDEX ?? 0;
  const e2e = new URL(v.TEST_DATABASE_URL);
  e2e.pathname = `${e2e.pathname}_e2e_${stack}`;
  const ports = { web: v.E2E_PORT + stack, emulator: v.E2E_PORT + 99 + stack };
  return {
    databaseUrl: v.TEST_DATABASE_URL,
    e2eDatabaseUrl: e2e.toString(),
    redisUrl: v.TEST_REDIS_URL,
    dataDir: path.resolve(v.TEST_DATA_DIR),
    e2eDataDir: path.resolve(`data/e2e-${stack}`),
    e2eQueuePrefix: `${E2E_QUEUE_STEM}-${stack}`,
    e2eStack: stack,
    e2ePorts: ports,
    e2eBaseUrl: `http://127.0.0.1:${ports.web}`,
    e2eEmulatorUrl: `http://127.0.0.1:${ports.emulator}`,
  };
}

/** The generated model folder (under the e2e data dir's models/) that local-training specs pick. */
export const E2E_TINY_MODEL = "tiny-chat";
