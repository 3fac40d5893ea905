import type { APIRequestContext, Page } from "@playwright/test";
import { expect, test } from "./stack";
import { countChatExampleTokens } from "../lib/tokens/count";

// The message editor against the real app: a blank example shows its errors, is fixed in the drawer, saved
// (the server re-validates it) and comes back clean; messages are reordered and removed, weight and tool calls
// edited. Bulk actions and their undo go through the API here; the table that renders the bar is another part.

const EDITOR_DATASET = "E2E — editor";

/**
 * The dataset these tests add examples to: their own, so the sample dataset that other specs count and freeze
 * stays as seeded. Made on first use (POST /api/datasets), found by name afterwards.
 */
async function editorDatasetId(request: APIRequestContext): Promise<string> {
  const res = await request.get("/api/datasets");
  expect(res.ok()).toBe(true);
  const { datasets } = (await res.json()) as { datasets: { id: string; name: string }[] };
  const existing = datasets.find((d) => d.name === EDITOR_DATASET);
  if (existing) return existing.id;
  const created = await request.post("/api/datasets", { data: { name: EDITOR_DATASET, description: "Examples written by the editor e2e tests" } });
  expect(created.status(), await created.text()).toBeLessThan(300);
  return ((await created.json()) as { dataset: { id: string } }).dataset.id;
}

async function newExample(request: APIRequestContext, datasetId: string): Promise<{ id: string; position: number }> {
  const res = await request.post(`/api/datasets/${datasetId}/examples`, { data: {} });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { example: { id: string; position: number } }).example;
}

async function getExample(request: APIRequestContext, datasetId: string, id: string) {
  const res = await request.get(`/api/datasets/${datasetId}/examples/${id}`);
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { example: { messages: Record<string, unknown>[]; tags: string[]; updatedAt: string; issues: { code: string }[] } }).example;
}

// Until the background analysis of the dataset's latest revision is done, an example's findings (an exact duplicate of
// another blank example, say) may still change.
async function analysisSettled(request: APIRequestContext, datasetId: string) {
  await expect
    .poll(async () => ((await (await request.get(`/api/datasets/${datasetId}/analysis`)).json()) as { pending: boolean }).pending, { timeout: 30_000 })
    .toBe(false);
}

async function openEditor(page: Page, datasetId: string, example: { id: string; position: number }) {
  await page.goto(`/datasets/${datasetId}?example=${example.id}`);
  const editor = page.getByRole("dialog", { name: `Edit example ${example.position + 1}` });
  await expect(editor).toBeVisible();
  return editor;
}

test("fix a blank example in the editor: errors shown, live token count, save re-validates and the errors disappear", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const example = await newExample(request, datasetId);
  const editor = await openEditor(page, datasetId, example);

  const findings = editor.getByRole("list", { name: "Findings" });
  await expect(findings.getByRole("listitem").filter({ hasText: "missing_content" })).toHaveCount(2);
  await expect(editor.getByText("2 errors", { exact: true })).toBeVisible();
  await expect(editor.getByRole("button", { name: "Save" })).toBeDisabled();
  await expect(editor.getByLabel("Tokens of message 2")).toHaveText(/^\d+ tokens$/);
  await page.screenshot({ path: "e2e/artifacts/datasets-editor-errors.png" });

  const total = editor.getByLabel("Total tokens");
  await expect(total).toHaveText(/^\d+$/);
  const emptyTotal = Number(await total.textContent());
  await editor.getByRole("textbox", { name: "Content of message 1" }).fill("My invoice shows a double charge for November. Can you refund one of them?");
  await editor.getByRole("textbox", { name: "Content of message 2" }).fill("Sorry about that! I have refunded the duplicate charge; it will appear in 3–5 business days.");
  await expect.poll(async () => Number(await total.textContent())).toBeGreaterThan(emptyTotal + 20);
  await expect(editor.getByLabel("Tokens of message 1")).toHaveText(/^(1[0-9]|[2-9]\d) tokens$/);

  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByText(/^Saved\. Re-validated: no errors or warnings\.$/)).toBeVisible();
  await expect(editor.getByText("No errors or warnings on this example.")).toBeVisible();
  await expect(editor.getByText("valid", { exact: true })).toBeVisible();
  await expect(editor.getByRole("button", { name: "Save" })).toBeDisabled();
  const saved = await getExample(request, datasetId, example.id);
  expect(saved.issues).toEqual([]);
  expect(saved.messages[0]).toEqual({ role: "user", content: "My invoice shows a double charge for November. Can you refund one of them?" });
});

test("reorder and remove messages, toggle weight, tool calls with an inline JSON error, keyboard save and discard", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const example = await newExample(request, datasetId);
  const editor = await openEditor(page, datasetId, example);
  await editor.getByRole("textbox", { name: "Content of message 1" }).fill("What's the weather in Paris?");

  // Add message: after the assistant the next logical role is user.
  await editor.getByRole("button", { name: "Add message" }).click();
  await expect(editor.getByRole("combobox", { name: "Role of message 3" })).toHaveValue("user");
  await editor.getByRole("textbox", { name: "Content of message 3" }).fill("moved up");
  await editor.getByRole("button", { name: "Move message 3 up" }).click();
  await expect(editor.getByRole("textbox", { name: "Content of message 2" })).toHaveValue("moved up");
  await expect(editor.getByRole("combobox", { name: "Role of message 3" })).toHaveValue("assistant");
  await editor.getByRole("button", { name: "Remove message 2" }).click();
  await expect(editor.getByRole("textbox", { name: "Content of message 3" })).toHaveCount(0);
  await expect(editor.getByRole("combobox", { name: "Role of message 2" })).toHaveValue("assistant");

  // Weight: this reply is context only.
  const trains = editor.getByRole("checkbox", { name: "Trains on this reply" });
  await expect(trains).toBeChecked();
  await trains.uncheck();

  // Tool calls: invalid JSON is pointed at and blocks Save; valid JSON is accepted.
  await editor.getByRole("button", { name: "Add tool calls to message 2" }).click();
  const calls = editor.getByRole("textbox", { name: "Tool calls of message 2" });
  await calls.fill('[{"id": "call_1", "type": }]');
  await expect(editor.getByRole("alert").filter({ hasText: "Not valid JSON at line 1, column 27" })).toBeVisible();
  await expect(editor.getByRole("button", { name: "Save" })).toBeDisabled();
  await expect(editor.getByText("Fix 1 JSON error before saving")).toBeVisible();
  await calls.fill(JSON.stringify([{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }]));
  await expect(editor.getByText("Valid tool calls.")).toBeVisible();

  // Escape with unsaved edits asks first; Cancel keeps everything.
  await calls.press("Escape");
  const discard = page.getByRole("dialog", { name: "Discard unsaved changes?" });
  await expect(discard).toBeVisible();
  await discard.getByRole("button", { name: "Cancel" }).click();
  await expect(discard).toBeHidden();
  await expect(calls).toHaveValue(/get_weather/);
  // Stepping to another row (Alt+↓ anywhere, J outside text fields) with unsaved edits asks the same.
  await calls.press("Alt+ArrowDown");
  await expect(discard).toBeVisible();
  await discard.getByRole("button", { name: "Cancel" }).click();
  await editor.getByRole("heading", { name: /^Example \d+$/ }).click();
  await page.keyboard.press("j");
  await expect(discard).toBeVisible();
  await discard.getByRole("button", { name: "Cancel" }).click();
  await expect(calls).toHaveValue(/get_weather/);

  await page.keyboard.press("Control+s");
  await expect(editor.getByText(/^Saved\. Re-validated:/)).toBeVisible();
  const saved = await getExample(request, datasetId, example.id);
  expect(saved.messages).toEqual([
    { role: "user", content: "What's the weather in Paris?" },
    { role: "assistant", content: null, weight: 0, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city": "Paris"}' } }] },
  ]);
  // Only context and a call that trains nothing: the validator says so, and the editor shows it.
  await expect(editor.getByRole("list", { name: "Findings" })).toContainText("no_trained_assistant_message");

  // Nothing unsaved now: Escape closes the drawer straight away.
  await page.keyboard.press("Escape");
  await expect(editor).toBeHidden();
  await expect(page).not.toHaveURL(/example=/);
});

test("a multi-turn example with a system prompt, tags and a manual split (screenshot)", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const res = await request.post(`/api/datasets/${datasetId}/examples`, {
    data: {
      messages: [
        { role: "system", content: "You are TechCorp's support assistant. Be concise, friendly and accurate." },
        { role: "user", content: "I was charged twice for my Pro plan this month." },
        { role: "assistant", content: "Sorry about that! I can see two charges on March 3. I've refunded the duplicate; it will show in 3–5 business days." },
        { role: "user", content: "Thanks. Can I switch to yearly billing too?" },
        { role: "assistant", content: "Yes: go to Settings → Billing → Change plan and pick Yearly. You save 20% and the switch applies at your next renewal." },
      ],
    },
  });
  const example = ((await res.json()) as { example: { id: string; position: number } }).example;
  const editor = await openEditor(page, datasetId, example);
  await expect(editor.getByText("No errors or warnings on this example.")).toBeVisible();
  await expect(editor.getByLabel("Tokens of message 5")).toHaveText(/^\d+ tokens$/);

  await editor.getByRole("combobox", { name: "Split" }).selectOption("validation");
  await expect(editor.getByText("Set by hand: a re-split by ratio keeps it")).toBeVisible();
  const tags = editor.getByLabel("Tags");
  await tags.fill("billing");
  await tags.press("Enter");
  await tags.fill("refund");
  await tags.press("Enter");
  await tags.fill("oops");
  await tags.press("Enter");
  await tags.press("Backspace");
  await expect(editor.getByRole("button", { name: /^Remove tag / })).toHaveCount(2);
  await page.screenshot({ path: "e2e/artifacts/datasets-editor-settings.png" });
  await editor.getByRole("heading", { name: "Findings" }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: "e2e/artifacts/datasets-editor.png" });

  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByText("Saved. Re-validated: no errors or warnings.")).toBeVisible();
  const saved = (await (await request.get(`/api/datasets/${datasetId}/examples/${example.id}`)).json()) as {
    example: { split: string; splitManual: boolean; tags: string[] };
  };
  expect(saved.example).toMatchObject({ split: "validation", splitManual: true, tags: ["billing", "refund"] });
});

test("a save that fails keeps the edits and says why (stale copy → 409)", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const example = await newExample(request, datasetId);
  const editor = await openEditor(page, datasetId, example);
  await editor.getByRole("textbox", { name: "Content of message 1" }).fill("my edit in the browser");
  // Someone else saves the same example meanwhile.
  const res = await request.patch(`/api/datasets/${datasetId}/examples/${example.id}`, { data: { tags: ["other-tab"] } });
  expect(res.ok()).toBe(true);
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByRole("alert").filter({ hasText: "changed by someone else" })).toBeVisible();
  await expect(editor.getByRole("textbox", { name: "Content of message 1" })).toHaveValue("my edit in the browser");
});

test("delete from the editor, then Undo in the toast brings the example back", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const example = await newExample(request, datasetId);
  const editor = await openEditor(page, datasetId, example);
  await editor.getByRole("button", { name: "Delete" }).click();
  await expect(editor).toBeHidden();
  const toast = page.getByRole("status").filter({ hasText: `Deleted example ${example.position + 1}.` });
  await expect(toast).toBeVisible();
  expect((await request.get(`/api/datasets/${datasetId}/examples/${example.id}`)).status()).toBe(404);
  await page.screenshot({ path: "e2e/artifacts/datasets-editor-undo.png" });
  await toast.getByRole("button", { name: "Undo" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Restored 1 example." })).toBeVisible();
  expect((await request.get(`/api/datasets/${datasetId}/examples/${example.id}`)).status()).toBe(200);
});

test("bulk tag, set split and delete through the API, each undone exactly", async ({ request }) => {
  const datasetId = await editorDatasetId(request);
  const a = await newExample(request, datasetId);
  const b = await newExample(request, datasetId);
  const ids = [a.id, b.id];

  const tag = await request.post(`/api/datasets/${datasetId}/bulk`, { data: { ids, action: "tag", tags: ["e2e-bulk"] } });
  expect(tag.ok()).toBe(true);
  const tagged = (await tag.json()) as { affected: number; undo: { batchId: string } };
  expect(tagged.affected).toBe(2);
  expect((await getExample(request, datasetId, a.id)).tags).toEqual(["e2e-bulk"]);
  expect((await request.post(`/api/datasets/${datasetId}/undo/${tagged.undo.batchId}`)).ok()).toBe(true);
  expect((await getExample(request, datasetId, a.id)).tags).toEqual([]);

  // Compared whole after the undo, so both reads wait for the analysis: it flags b as a duplicate of another blank
  // example in the background, which made this test flaky when the first read came before it.
  await analysisSettled(request, datasetId);
  const before = await getExample(request, datasetId, b.id);
  const del = (await (await request.post(`/api/datasets/${datasetId}/bulk`, { data: { ids, action: "delete" } })).json()) as { undo: { batchId: string } };
  expect((await request.get(`/api/datasets/${datasetId}/examples/${b.id}`)).status()).toBe(404);
  const undo = await request.post(`/api/datasets/${datasetId}/undo/${del.undo.batchId}`);
  expect(await undo.json()).toEqual({ kind: "delete", restored: 2 });
  await analysisSettled(request, datasetId);
  expect(await getExample(request, datasetId, b.id)).toEqual(before);
  // An undo is used once.
  const again = await request.post(`/api/datasets/${datasetId}/undo/${del.undo.batchId}`);
  expect(again.status()).toBe(404);
  expect(((await again.json()) as { error: { code: string } }).error.code).toBe("undo_not_found");

  // Bad input names the field.
  const bad = await request.post(`/api/datasets/${datasetId}/bulk`, { data: { ids, action: "set_split" } });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^split: choose the split/);
});

test("a DPO example edits its prompt and both outputs; saving re-validates them", async ({ page, request }) => {
  const datasetId = await editorDatasetId(request);
  const res = await request.post(`/api/datasets/${datasetId}/examples`, {
    data: {
      messages: [{ role: "user", content: "How do I export my invoices?" }],
      preference: { preferred_output: [{ role: "assistant", content: "Billing → Invoices → Export CSV." }], non_preferred_output: [] },
    },
  });
  expect(res.status()).toBe(200);
  const example = ((await res.json()) as { example: { id: string; position: number } }).example;
  const editor = await openEditor(page, datasetId, example);
  await expect(editor.getByText("DPO", { exact: true })).toBeVisible();
  await expect(editor.getByRole("list", { name: "Findings" })).toContainText("invalid_preference");

  await editor.getByRole("button", { name: "Add non-preferred message" }).click();
  await editor.getByRole("textbox", { name: "Content of non-preferred message 1" }).fill("I can't help with that.");
  await expect(editor.getByLabel("Tokens of non-preferred message 1")).toHaveText(/^\d+ tokens$/);
  await page.keyboard.press("Control+s");
  await expect(editor.getByText("Saved. Re-validated: no errors or warnings.")).toBeVisible();
  await page.screenshot({ path: "e2e/artifacts/datasets-editor-dpo.png" });
});

test("token count API equals the stored formula and names a bad field", async ({ request }) => {
  const messages = [
    { role: "system", content: "Be brief." },
    { role: "user", content: "What is your refund window?" },
    { role: "assistant", content: "30 days from purchase." },
  ];
  for (const model of ["gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0125"]) {
    const res = await request.post("/api/tokens/count", { data: { model, messages } });
    expect(res.ok()).toBe(true);
    const body = (await res.json()) as { tokens: number; perMessage: number[]; limit: number };
    expect(body.tokens).toBe(countChatExampleTokens({ messages }, model));
    expect(body.perMessage).toHaveLength(3);
  }
  const bad = await request.post("/api/tokens/count", { data: { messages: [{ role: "assistant", content: "x", tool_calls: {} }] } });
  expect(bad.status()).toBe(400);
  expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(/^messages\.0\.tool_calls: tool_calls must be a JSON array/);
});
