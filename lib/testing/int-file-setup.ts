import { afterAll } from "vitest";
import { disconnectPrisma } from "../db/client";
import { clearMatchLists } from "../datasets/query/match-cache";
import { closeEvalLiveRedis } from "../eval/live";
import { closeLiveRedis } from "../jobs/launch/live";
import { closeLiveHub } from "../jobs/live/hub";
import { closeSharedCommandClient } from "../playground/channel";
import { closeQueues } from "../queue/queues";
import { freshEnv } from "./fresh-env";

// Runs around each integration test file. The files share one process and its loaded modules (vitest `isolate:
// false`: importing every module again for each file cost about 100 of the tier's 340 seconds), so each file
// starts as it would in a process of its own: with the environment vitest gave the project (fresh-env.ts), and
// without the process-wide connections a file before opened (a live hub connected while a file pointed REDIS_URL
// elsewhere would otherwise serve the next file).

freshEnv();

afterAll(async () => {
  await Promise.all([disconnectPrisma(), closeLiveHub(), closeLiveRedis(), closeEvalLiveRedis(), closeSharedCommandClient(), closeQueues()]);
  clearMatchLists();
});
