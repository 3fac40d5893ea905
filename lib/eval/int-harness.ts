import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { createPrismaClient } from "../db/client";
import { dataDir } from "../env";
import { createFrozenVersion, type LocalVersionFixture } from "../jobs/local/test-support";
import { createQueueSet, type QueueSet } from "../queue/queues";
import { createRedis } from "../redis";
import { writeTinyModel } from "../testing/tiny-model";
import { deleteKeysUnder, uniquePrefix } from "../workers/testing";
import { removeEvalFixtures, storeTestOpenAIKey } from "./testing";

// What the evaluation int tests share: a database client, queues under a prefix of their own, an OpenAI key in
// Settings (so remote specs validate), a models folder of generated tiny models, and frozen dataset versions,
// all removed again by tearDown.

export type EvalIntHarness = {
  db: PrismaClient;
  redis: ReturnType<typeof createRedis>;
  prefix: string;
  queues: QueueSet;
  modelsRoot: string;
  setUp(models: Record<string, number>): Promise<void>;
  /** A frozen version with these held-out question/answer pairs (and one training line), removed by tearDown. */
  version(name: string, validation: [question: string, answer: string][]): Promise<string>;
  /** Takes the OpenAI key out of Settings now (a test of a run without one); tearDown does it otherwise. */
  removeOpenAIKey(): Promise<void>;
  tearDown(): Promise<void>;
};

export function evalIntHarness(name: string): EvalIntHarness {
  const db = createPrismaClient();
  const redis = createRedis("client");
  const prefix = uniquePrefix(name);
  const fixtures: LocalVersionFixture[] = [];
  const modelsRoot = path.join(process.env.TMPDIR ?? "/tmp", `tf-${name}-models-${process.pid}`);
  let removeKey: () => Promise<void> = async () => undefined;
  return {
    db,
    redis,
    prefix,
    queues: createQueueSet({ connection: redis, prefix }),
    modelsRoot,
    /** `models`: folder name → seed of a generated tiny chat model. */
    async setUp(models) {
      removeKey = await storeTestOpenAIKey(db);
      mkdirSync(modelsRoot, { recursive: true });
      for (const [model, seed] of Object.entries(models)) writeTinyModel({ dir: path.join(modelsRoot, model), preset: "tiny", seed });
    },
    async version(versionName, validation) {
      const line = (q: string, a: string) => JSON.stringify({ messages: [{ role: "user", content: q }, { role: "assistant", content: a }] });
      const f = await createFrozenVersion(db, dataDir(), { name: versionName, train: line("t", "a") + "\n", validation: validation.map(([q, a]) => line(q, a)).join("\n") + "\n" });
      fixtures.push(f);
      return f.versionId;
    },
    async removeOpenAIKey() {
      const remove = removeKey;
      removeKey = async () => undefined;
      await remove();
    },
    async tearDown() {
      await this.removeOpenAIKey();
      await removeEvalFixtures(db, fixtures);
      await this.queues.close();
      await deleteKeysUnder(redis, prefix);
      await redis.quit();
      await db.$disconnect();
      rmSync(modelsRoot, { recursive: true, force: true });
    },
  };
}
