import { afterAll } from "vitest";
import { disconnectPrisma } from "../db/client";
import { clearMatchLists } from "../datasets/query/match-cache";
import { forgetEnv } from "../env";
import { closeEvalLiveRedis } from "../eval/live";
import { closeLiveRedis } from "../jobs/launch/live";
import { closeLiveHub } from "../jobs/live/hub";
import { closeSharedCommandClient } from "../playground/channel";
import { closeQueues } from "../queue/queues";

// Runs around each integration test file. The files share one process and its loaded modules (vitest `isolate:
// false`: importing every module again for each file cost about 100 of the tier's 340 seconds), so each file
// starts as it would in a process of its own: with the environment vitest gave the project, whatever the file
// before put in process.env, parsed afresh by lib/env; and without the process-wide connections a file before
// opened (a live hub connected while a file pointed REDIS_URL elsewhere would otherwise serve the next file).

const holder = globalThis as { tuneforgeIntPristineEnv?: NodeJS.ProcessEnv };
holder.tuneforgeIntPristineEnv ??= { ...process.env };
const pristine = holder.tuneforgeIntPristineEnv;

for (const key of Object.keys(process.env)) if (!(key in pristine)) delete process.env[key];
Object.assign(process.env, pristine);
forgetEnv();

afterAll(async () => {
  await Promise.all([disconnectPrisma(), closeLiveHub(), closeLiveRedis(), closeEvalLiveRedis(), closeSharedCommandClient(), closeQueues()]);
  clearMatchLists();
});
