import { expect, test } from "./stack";
import type { EvalRunView, EvalSamplesPage } from "../lib/eval/types";
import { emulatorFaults, frozenDataset, launchHostedJob, untilJobSucceeded, useEmulatorKey } from "./hosted-data";
import { screenshotPage } from "./screenshot";

// Evaluating a tool-calling fine-tune with nothing seeded: a dataset of OpenAI-format tool-call conversations is
// imported, split and frozen; a hosted job trains on the emulator; the evaluation offers the lines' tools to both
// models. The run page shows the call metrics beside the text metrics, each output's call verdict, the expected
// calls as <tool_call> text, and the earlier calls and tool results of a conversation.

const API_KEY = "sk-test-e2e-eval-tools-0000abcd";
const DIR = "e2e/artifacts";

const lookup = { type: "function", function: { name: "lookup_order", description: "Find an order by its id", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } } };
const call = (id: string, orderId: string) => ({ id, type: "function", function: { name: "lookup_order", arguments: JSON.stringify({ order_id: orderId }) } });
// Even lines: the reply is a call. Odd lines: the call was made and answered; the reply is words.
const line = (i: number) => {
  const order = `A-${1000 + i}`;
  const ask = { role: "user", content: `Where is my order ${order}?` };
  const called = { role: "assistant", content: null, tool_calls: [call(`call_${i}`, order)] };
  const messages = i % 2 === 0 ? [ask, called] : [ask, called, { role: "tool", tool_call_id: `call_${i}`, content: `${order}: shipped on day ${i}` }, { role: "assistant", content: `Your order ${order} shipped on day ${i}.` }];
  return { messages, tools: [lookup] };
};

test.beforeEach(async ({ request }) => {
  await emulatorFaults(request, "reset");
  await useEmulatorKey(request, API_KEY);
});

test("a tool-calling fine-tune evaluated against its base: call metrics, call verdicts, calls and results in the conversation", async ({ page, request }) => {
  test.setTimeout(180_000);
  const jsonl = Array.from({ length: 24 }, (_, i) => JSON.stringify(line(i))).join("\n");
  const { datasetId, version } = await frozenDataset(request, { name: "eval-tools-e2e", jsonl, note: "tool calls", validationRatio: 0.25 });
  expect(version.validationCount).toBeGreaterThan(2);

  const jobId = await launchHostedJob(request, datasetId, version.number, "evaltools");
  await untilJobSucceeded(request, jobId);
  const created = await request.post("/api/evals", { data: { name: "order lookups", datasetVersionId: version.id, candidate: `job:${jobId}`, baseline: "openai:gpt-4o-mini-2024-07-18" } });
  expect(created.status(), await created.text()).toBe(201);
  const runId = ((await created.json()) as { runs: { id: string }[] }).runs[0]!.id;

  await page.goto(`/evaluations/${runId}`);
  await expect(page.getByText("succeeded", { exact: true }).first()).toBeVisible({ timeout: 120_000 });
  const run = ((await (await request.get(`/api/evals/${runId}`)).json()) as { run: EvalRunView }).run;
  const metrics = run.summary!.metrics;
  // The fine-tune calls the offered tool whenever its data did; the base model answers every question in words.
  expect(metrics.toolNameMatch!.candidate).toBe(1);
  expect(metrics.toolCallMatch!.baseline).toBeLessThan(1);
  expect(metrics.toolCallMatch!.n).toBe(version.validationCount);
  await expect(page.getByTestId("metric-toolCallMatch")).toContainText("Tool calls match");
  await expect(page.getByTestId("metric-toolNameMatch")).toContainText("Right tools called");

  const { samples } = (await (await request.get(`/api/evals/${runId}/samples?limit=1000`)).json()) as EvalSamplesPage;
  const callRow = samples.find((s) => s.expected?.startsWith("<tool_call>"))!;
  const wordsRow = samples.find((s) => s.prompt.length === 3)!;
  expect(callRow.candidateOutput).toContain('"name": "lookup_order"');
  const row = page.locator(`[data-testid="sbs-row"][data-sample="${callRow.index}"]`);
  await expect(row.getByTestId("expected")).toContainText('{"name": "lookup_order", "arguments": {"order_id":"A-');
  await expect(row.getByTestId("candidate-output")).toContainText(/calls (✓|✗ arguments)/);
  await expect(row.getByTestId("baseline-output")).toContainText("calls ✗");
  // The whole conversation of a words row shows the call already made and the tool's result.
  const words = page.locator(`[data-testid="sbs-row"][data-sample="${wordsRow.index}"]`);
  await words.getByRole("button", { name: /Full conversation \(3 messages\)/ }).click();
  await expect(words.getByText('"name": "lookup_order"').first()).toBeVisible();
  await expect(words.getByText(/A-\d+: shipped on day \d+/)).toBeVisible();
  await screenshotPage(page, `${DIR}/eval-tools.png`);
});
