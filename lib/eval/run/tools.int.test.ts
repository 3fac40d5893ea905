import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dataDir } from "../../env";
import { createFrozenVersion, type LocalVersionFixture } from "../../jobs/local/test-support";
import { startOpenAIEmulator, type OpenAIEmulator } from "../../../test/openai-emulator/server";
import { fineTunedModel } from "../../../test/openai-emulator/test-helpers";
import { createEval } from "../create";
import { evalIntHarness } from "../int-harness";
import { removeEvalFixtures, storeTestOpenAIKey } from "../testing";
import type { EvalSummary, SampleMetrics } from "../types";
import { toEvalSampleView } from "../view";
import { runEval, type EvalRunDeps } from "./index";

// An evaluation of a tool-calling fine-tune, in this process against Postgres and the OpenAI emulator through the
// real SDK: the held-out lines' tools are offered to both models, earlier calls and their results stay in the
// prompt (the emulator refuses a conversation whose calls and results are out of order, as OpenAI does), the
// fine-tune calls the tool as its data did, the base model answers in words, and the call metrics and the judge
// see the difference.

const h = evalIntHarness("eval-tools");
const { db, redis, prefix, queues } = h;
let emu: OpenAIEmulator;
let ft: string;
const fixtures: LocalVersionFixture[] = [];

const lookup = { type: "function", function: { name: "lookup_order", description: "Find an order", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } } };
const call = (id: string, orderId: string) => ({ id, type: "function", function: { name: "lookup_order", arguments: JSON.stringify({ order_id: orderId }) } });
// Even lines: one turn, the reply is a call. Odd lines: a call already made and answered, then the reply in words.
const line = (i: number) => {
  const order = `A-${1000 + i}`;
  const ask = { role: "user", content: `Where is my order ${order} number ${i}?` };
  if (i % 2 === 0) return { messages: [ask, { role: "assistant", content: null, tool_calls: [call(`call_${i}`, order)] }], tools: [lookup] };
  return {
    messages: [ask, { role: "assistant", content: null, tool_calls: [call(`call_${i}`, order)] }, { role: "tool", tool_call_id: `call_${i}`, content: `${order}: shipped` }, { role: "assistant", content: `Order ${order} has shipped.` }],
    tools: [lookup],
  };
};
const jsonl = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => JSON.stringify(line(from + k))).join("\n") + "\n";

const deps = (): EvalRunDeps => ({
  db,
  redis,
  prefix,
  log: { info: () => undefined, warn: () => undefined },
  signal: new AbortController().signal,
  workerId: "test-worker",
  queue: "eval",
  dataRoot: dataDir(),
});

let removeKey: () => Promise<void> = async () => undefined;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ timing: { fileProcessingMs: 0, validatingMs: 0, queuedMs: 0, stepMs: 1 }, chatLatencyMs: 0 });
  ft = await fineTunedModel(emu, jsonl(0, 40));
  await h.setUp({});
  removeKey = await storeTestOpenAIKey(db, emu.url);
}, 60_000);
afterAll(async () => {
  await removeKey();
  await removeEvalFixtures(db, fixtures);
  await h.tearDown();
  await emu.close();
});

describe("evaluating tool calls", () => {
  it("offers the tools, keeps earlier calls and results, and scores the fine-tune's calls against the base model's words", async () => {
    const f = await createFrozenVersion(db, dataDir(), { name: "eval-tools", train: jsonl(0, 30), validation: jsonl(30, 40) });
    fixtures.push(f);
    const { runIds } = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: "openai:gpt-4o-mini-2024-07-18", judge: "openai:gpt-4.1-mini-2025-04-14", concurrency: 4 }, { db, queues });
    expect((await runEval(deps(), runIds[0]!)).outcome).toBe("succeeded");
    const run = await db.evalRun.findUniqueOrThrow({ where: { id: runIds[0] } });
    expect(run.status, run.errorMessage ?? "").toBe("succeeded");
    const samples = await db.evalSample.findMany({ where: { evalRunId: run.id }, orderBy: { index: "asc" } });
    expect(samples).toHaveLength(10);
    for (const s of samples) expect([s.baselineError, s.candidateError, s.judgeError]).toEqual([null, null, null]);

    const [callSample, wordsSample] = [samples[0]!, samples[1]!];
    expect(callSample.tools).toEqual([lookup]);
    expect(callSample.expected).toBe('<tool_call>\n{"name": "lookup_order", "arguments": {"order_id":"A-1030"}}\n</tool_call>');
    expect(callSample.candidateOutput).toBe(callSample.expected);
    expect(callSample.candidateMetrics).toMatchObject({ toolCallMatch: 1, toolNameMatch: 1, exactMatch: 1 });
    expect(callSample.baselineOutput).not.toContain("<tool_call>");
    expect(callSample.baselineMetrics).toMatchObject({ toolCallMatch: 0, toolNameMatch: 0 });
    // The call already made and its result are part of the prompt; the expected reply is words, and words score as no call.
    expect(wordsSample.prompt).toEqual([
      { role: "user", content: "Where is my order A-1031 number 31?" },
      { role: "assistant", content: "", tool_calls: [call("call_31", "A-1031")] },
      { role: "tool", content: "A-1031: shipped", tool_call_id: "call_31" },
    ]);
    expect(wordsSample.candidateOutput).toBe("Order A-1031 has shipped.");
    expect(wordsSample.candidateMetrics).toMatchObject({ toolCallMatch: 1, exactMatch: 1 });
    expect((wordsSample.baselineMetrics as SampleMetrics).toolCallMatch).toBe(1);

    // The API's view of a sample (and the JSON export) names the tools offered.
    expect(toEvalSampleView(callSample).tools).toEqual([lookup]);
    expect(toEvalSampleView(samples[0]!).prompt).toEqual([{ role: "user", content: "Where is my order A-1030 number 30?" }]);
    const summary = run.summary as unknown as EvalSummary;
    expect(summary.metrics.toolCallMatch).toMatchObject({ candidate: 1, baseline: 0.5, n: 10 });
    expect(summary.metrics.toolNameMatch).toMatchObject({ candidate: 1, baseline: 0.5, n: 10 });
    // The judge read the calls as text: the fine-tune's call is the expected one.
    expect(summary.verdicts).toMatchObject({ candidate: 10, baseline: 0 });

    // The judge is told which tools were offered: a judge that answers only when it sees them.
    const judgeRule = { model: "gpt-4.1-mini-2025-04-14", contains: "The assistant could call these tools", reply: '{"winner": "tie", "score": 5, "rationale": "saw lookup_order"}' };
    await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [judgeRule] }) });
    const second = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: "openai:gpt-4o-mini-2024-07-18", judge: "openai:gpt-4.1-mini-2025-04-14", limit: 2 }, { db, queues });
    expect((await runEval(deps(), second.runIds[0]!)).outcome).toBe("succeeded");
    const judged = await db.evalSample.findMany({ where: { evalRunId: second.runIds[0] }, orderBy: { index: "asc" } });
    for (const s of judged) expect([s.verdict, (s.judgeForward as { rationale: string }).rationale, s.judgePointwise]).toEqual(["tie", "saw lookup_order", { baseline: { score: 5, rationale: "saw lookup_order" }, candidate: { score: 5, rationale: "saw lookup_order" } }]);
    await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [] }) });
  });

  it("keeps a reply that holds a NUL byte (Postgres text cannot), with U+FFFD where the byte was", async () => {
    const f = await createFrozenVersion(db, dataDir(), { name: "eval-nul", train: jsonl(0, 2), validation: jsonl(40, 42) });
    fixtures.push(f);
    const rules = { rules: [{ model: "gpt-4o-mini-2024-07-18", reply: "Order\u0000 shipped." }, { model: "gpt-4.1-mini-2025-04-14", reply: '{"winner": "A", "score": 7, "rationale": "A is\u0000 better"}' }] };
    await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(rules) });
    try {
      const { runIds } = await createEval({ datasetVersionId: f.versionId, candidate: `openai:${ft}`, baseline: "openai:gpt-4o-mini-2024-07-18", judge: "openai:gpt-4.1-mini-2025-04-14" }, { db, queues });
      expect((await runEval(deps(), runIds[0]!)).outcome).toBe("succeeded");
      const samples = await db.evalSample.findMany({ where: { evalRunId: runIds[0] }, orderBy: { index: "asc" } });
      expect(samples.map((s) => [s.baselineOutput, s.baselineError])).toEqual([["Order\uFFFD shipped.", null], ["Order\uFFFD shipped.", null]]);
      for (const s of samples) expect((s.judgeForward as { rationale: string }).rationale).toBe("A is\uFFFD better");
    } finally {
      await fetch(emu.url.replace(/\/v1$/, "/_emulator/chat"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ rules: [] }) });
    }
  });
});
