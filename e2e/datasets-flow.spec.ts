import { readFile } from "node:fs/promises";
import { expect, test } from "./stack";
import { screenshotPage } from "./screenshot";

// The whole curation loop of issue 4 in one pass, as a user does it in the browser: create a dataset, upload a
// file with a broken line, read the report and import the valid lines, find the example that has a warning,
// fix it in the editor and see the warning go, tag two rows in bulk, look at the statistics, freeze a version
// and download its training file. Screenshots of the table, the editor and the statistics go to e2e/artifacts/.

const support = (i: number) =>
  JSON.stringify({
    messages: [
      { role: "system", content: "You are TechCorp support. Answer in two sentences." },
      { role: "user", content: `My router model R${100 + i} drops the connection every ${i + 2} minutes. What should I try?` },
      { role: "assistant", content: `Update router R${100 + i} to the latest firmware, then move it away from the microwave. If it still drops, reset it to factory settings.` },
    ],
  });

// Line 3 ends with a user turn (a warning: the last turn teaches nothing); line 6 is not JSON (an error).
const lines = Array.from({ length: 14 }, (_, i) => support(i));
lines.splice(
  2,
  0,
  JSON.stringify({
    messages: [
      { role: "user", content: "How do I change the Wi-Fi password on the dashboard?" },
      { role: "assistant", content: "Open Settings → Wireless, type the new password and press Save." },
      { role: "user", content: "dangling follow-up that was never answered" },
    ],
  }),
);
lines.splice(5, 0, '{"messages": [{"role": "user", "content": "unterminated"}');

test("import a file, fix an example in the editor, bulk-tag, read the statistics, freeze and export", async ({ page }) => {
  test.setTimeout(120_000);
  const name = `E2E flow ${Date.now()}`;

  // Create the dataset and upload the file.
  await page.goto("/datasets");
  await page.getByRole("button", { name: "New dataset" }).click();
  const dialog = page.getByRole("dialog", { name: "New dataset" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByRole("button", { name: "Create and import" }).click();
  await expect(page).toHaveURL(/\?tab=import/);
  await page.getByLabel("File to import", { exact: true }).setInputFiles({ name: "router-support.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(lines.join("\n")) });
  await page.getByRole("button", { name: "Upload and check" }).click();

  // The report names the broken line and nothing is written until the user decides.
  const report = page.getByRole("table", { name: "Lines with errors" });
  await expect(report.getByRole("row").filter({ hasText: "invalid_json" }).getByRole("cell").first()).toHaveText("6");
  await page.getByRole("button", { name: "Import 15 valid lines" }).click();
  await expect(page.getByText("Imported 15 examples")).toBeVisible();
  await page.getByRole("link", { name: "View examples" }).click();

  // The table lists the 15 examples; the one with the warning is the third.
  const table = page.getByRole("table", { name: "Examples" });
  await expect(table.getByRole("checkbox", { name: "Select example 15", exact: true })).toBeVisible();
  const warned = table.getByRole("row").filter({ hasText: "How do I change the Wi-Fi password" });
  await warned.getByRole("cell").nth(2).click();

  // Fix it in the editor: drop the unanswered turn; saving re-validates the row and the warning disappears.
  const editor = page.getByRole("dialog", { name: "Edit example 3" });
  await expect(editor.getByRole("list", { name: "Findings" })).toContainText("last_message_not_assistant");
  await editor.getByRole("button", { name: "Remove message 3" }).click();
  await page.screenshot({ path: "e2e/artifacts/flow-editor.png" });
  await editor.getByRole("button", { name: "Save" }).click();
  await expect(editor.getByText(/^Saved\. Re-validated: no errors or warnings\.$/)).toBeVisible();
  await expect(editor.getByText("No errors or warnings on this example.")).toBeVisible();
  await editor.getByRole("button", { name: "Close editor" }).click();
  await expect(editor).toBeHidden();

  // Bulk-tag the first two rows.
  await table.getByRole("checkbox", { name: "Select example 1", exact: true }).check();
  await table.getByRole("checkbox", { name: "Select example 2", exact: true }).check();
  const bulk = page.getByRole("toolbar", { name: "Bulk actions" });
  await expect(bulk).toContainText("2 selected");
  await bulk.getByRole("button", { name: "Add tag…" }).click();
  await bulk.getByLabel("Tag to add").fill("firmware");
  await bulk.getByRole("button", { name: "Add", exact: true }).click();
  await expect(page.getByRole("status").filter({ hasText: "Tagged 2" })).toBeVisible();
  await expect(table.getByRole("row").filter({ hasText: "R100 drops" })).toContainText("firmware");
  await expect(table.getByRole("row").filter({ hasText: "R101 drops" })).toContainText("firmware");
  await page.screenshot({ path: "e2e/artifacts/flow-table.png" });

  // Statistics: the analysis counted every example and the readiness list speaks in the guide's terms.
  await page.getByRole("navigation", { name: "Dataset views" }).getByRole("link", { name: "Statistics" }).click();
  await expect(page.getByText(/fewer than 50 examples/i).first()).toBeVisible();
  await expect(page.getByText(/no validation split/i).first()).toBeVisible();
  await screenshotPage(page, "e2e/artifacts/flow-stats.png");

  // Freeze a version and download its training file: the 15 examples, the fixed one without its last turn.
  await page.getByRole("navigation", { name: "Dataset views" }).getByRole("link", { name: "Splits & versions" }).click();
  await page.getByRole("textbox", { name: "Note" }).fill("first clean import");
  await page.getByRole("button", { name: "Freeze version" }).click();
  await expect(page.getByText(/Froze v1:/)).toBeVisible();
  const row = page.getByRole("row").filter({ has: page.getByRole("rowheader", { name: "v1", exact: true }) });
  const downloading = page.waitForEvent("download");
  await row.getByRole("button", { name: "Export v1" }).click();
  await row.getByRole("link", { name: "Download v1 train JSONL" }).click();
  const text = await readFile((await (await downloading).path())!, "utf8");
  const exported = text.trimEnd().split("\n").map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
  expect(exported).toHaveLength(15);
  const fixed = exported.find((e) => e.messages[0]?.content.startsWith("How do I change the Wi-Fi password"));
  expect(fixed?.messages.map((m) => m.role)).toEqual(["user", "assistant"]);
});
