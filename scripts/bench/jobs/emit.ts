import type { PrismaClient } from "@prisma/client";
import type { Redis } from "ioredis";
import { curvePoint, type CurveOptions } from "../../../lib/jobs/live/testing";
import { writeAndPublishPoints } from "../../../lib/jobs/live/testing";

// The producing side of the latency bench, kept in one function on purpose: today it plays the worker
// (write the point to Postgres, then publish it on the job's channel, exactly as the worker does); once
// the worker is merged it can instead make the OpenAI emulator emit a metrics event for the worker to poll.

export type EmitContext = { db: PrismaClient; redis: Redis; prefix: string; curve: CurveOptions };

export async function emitMetricPoint(ctx: EmitContext, jobId: string, step: number): Promise<void> {
  await writeAndPublishPoints(ctx.db, ctx.redis, ctx.prefix, jobId, [curvePoint(step, ctx.curve)]);
}
