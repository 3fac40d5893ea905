import { storableText } from "../../db/text";
import { Prisma, type PrismaClient } from "@prisma/client";
import { combineVerdicts, pairwiseJudgeMessages, parseJudgeReply, parsePointwiseReply, pointwiseJudgeMessages } from "../judge";
import { sampleMetrics } from "../metrics";
import type { Generator } from "../models";
import { answerOf } from "../../reasoning";
import type { ChatMessage, GenerationSettings, JudgeCall, PointwiseScores, SampleMetrics } from "../types";

// One sample's work: whatever is still missing of (baseline output, candidate output, judge verdict). Each
// side is written the moment it is done, so a worker killed between the two sides, or before the judge,
// resumes with only the missing part. A provider error that survived its retries is stored on its side
// (baselineError / candidateError / judgeError) and the run moves on.

export type SampleRow = {
  id: string;
  index: number;
  prompt: ChatMessage[];
  /** The sample's tool definitions (OpenAI's "tools"), offered to both sides; null when the line had none. */
  tools: unknown[] | null;
  expected: string | null;
  baselineOutput: string | null;
  candidateOutput: string | null;
  baselineError: string | null;
  candidateError: string | null;
  verdict: string | null;
  judgeError: string | null;
};

export type SampleContext = {
  db: PrismaClient;
  baseline: Generator;
  candidate: Generator;
  judge: Generator | null;
  rubric: string | null;
  settings: GenerationSettings;
  /** Greedy, short: a verdict is one JSON object. */
  judgeSettings: GenerationSettings;
  schema: Record<string, unknown> | null;
  signal: AbortSignal;
};

export type SampleOutcome = { baseline: boolean; candidate: boolean; judged: boolean };

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export const needsBaseline = (s: Pick<SampleRow, "baselineOutput" | "baselineError">) => s.baselineOutput === null && s.baselineError === null;
export const needsCandidate = (s: Pick<SampleRow, "candidateOutput" | "candidateError">) => s.candidateOutput === null && s.candidateError === null;

async function side(ctx: SampleContext, s: SampleRow, which: "baseline" | "candidate"): Promise<string | null> {
  const gen = which === "baseline" ? ctx.baseline : ctx.candidate;
  try {
    const generated = await gen.generate(s.prompt, ctx.settings, ctx.signal, s.tools);
    const g = { ...generated, text: storableText(generated.text) };
    const metrics: SampleMetrics = sampleMetrics({ output: g.text, expected: s.expected, latencyMs: Math.round(g.latencyMs), promptTokens: g.promptTokens, completionTokens: g.completionTokens, costUsd: g.costUsd, schema: ctx.schema, tools: s.tools !== null });
    if (ctx.signal.aborted) return null;
    await ctx.db.evalSample.update({
      where: { id: s.id },
      data: which === "baseline" ? { baselineOutput: g.text, baselineMetrics: metrics, baselineError: null } : { candidateOutput: g.text, candidateMetrics: metrics, candidateError: null },
    });
    return g.text;
  } catch (err) {
    // Shutting down or cancelled: nothing is recorded, the next worker generates this side again.
    if (ctx.signal.aborted) return null;
    const message = errorText(err);
    await ctx.db.evalSample.update({ where: { id: s.id }, data: which === "baseline" ? { baselineError: message } : { candidateError: message } });
    return null;
  }
}

export async function processSample(ctx: SampleContext, s: SampleRow): Promise<SampleOutcome> {
  const outcome: SampleOutcome = { baseline: false, candidate: false, judged: false };
  // Both sides at once: for remote models they wait on different providers (or different limiters).
  const [b, c] = await Promise.all([
    needsBaseline(s) ? side(ctx, s, "baseline").then((t) => ((outcome.baseline = !ctx.signal.aborted), t)) : Promise.resolve(s.baselineOutput),
    needsCandidate(s) ? side(ctx, s, "candidate").then((t) => ((outcome.candidate = !ctx.signal.aborted), t)) : Promise.resolve(s.candidateOutput),
  ]);
  if (!ctx.judge || b === null || c === null || s.verdict !== null || s.judgeError !== null || ctx.signal.aborted) return outcome;
  // The judge compares answers; a reasoning model's thinking is not what it is asked to grade.
  await judgeSample(ctx, ctx.judge, s, answerOf(b), answerOf(c));
  outcome.judged = !ctx.signal.aborted;
  return outcome;
}

/**
 * Pairwise in both orders (candidate as A, then as B) and a pointwise score of each side, all at once. The
 * verdict needs both pairwise replies; the pointwise scores are extra, so a judge that cannot score still
 * gives a verdict (the scoring problem is kept in judgeError).
 */
async function judgeSample(ctx: SampleContext, judge: Generator, s: SampleRow, baseline: string, candidate: string): Promise<void> {
  // A reasoning judge's verdict is its answer; its thinking may hold JSON-like drafts the parser must not read.
  const ask = async (messages: ChatMessage[]) => answerOf(storableText((await judge.generate(messages, ctx.judgeSettings, ctx.signal)).text));
  const pair = (a: string, b: string) => ask(pairwiseJudgeMessages({ rubric: ctx.rubric, prompt: s.prompt, tools: s.tools, expected: s.expected, a, b })).then(parseJudgeReply);
  const point = (response: string) => ask(pointwiseJudgeMessages({ prompt: s.prompt, tools: s.tools, expected: s.expected, response })).then(parsePointwiseReply);
  const [fwd, swp, ptB, ptC] = await Promise.allSettled([pair(candidate, baseline), pair(baseline, candidate), point(baseline), point(candidate)]);
  if (ctx.signal.aborted) return;
  if (fwd.status === "rejected" || swp.status === "rejected") {
    const reason = fwd.status === "rejected" ? fwd.reason : (swp as PromiseRejectedResult).reason;
    await ctx.db.evalSample.update({ where: { id: s.id }, data: { judgeError: errorText(reason) } });
    return;
  }
  const forward: JudgeCall = fwd.value;
  const swapped: JudgeCall = swp.value;
  const pointwise: PointwiseScores = {
    ...(ptB.status === "fulfilled" && { baseline: ptB.value }),
    ...(ptC.status === "fulfilled" && { candidate: ptC.value }),
  };
  const pointError = [ptB, ptC].find((p): p is PromiseRejectedResult => p.status === "rejected");
  await ctx.db.evalSample.update({
    where: { id: s.id },
    data: {
      judgeForward: forward as unknown as Prisma.InputJsonValue,
      judgeSwapped: swapped as unknown as Prisma.InputJsonValue,
      judgePointwise: (Object.keys(pointwise).length > 0 ? pointwise : Prisma.DbNull) as Prisma.InputJsonValue,
      verdict: combineVerdicts(forward, swapped),
      judgeError: pointError ? `Pointwise score: ${errorText(pointError.reason)}` : null,
    },
  });
}
