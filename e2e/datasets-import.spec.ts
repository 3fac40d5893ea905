import type { Page } from "@playwright/test";
import { expect, test } from "./stack";
import { screenshotPage } from "./screenshot";

// Import from the browser against the real app and workers: create a dataset, upload a JSONL with a bad line,
// review the report, import the valid lines; drag and drop; a CSV through the column-mapping step.

const chat = (i: number) => JSON.stringify({ messages: [{ role: "system", content: "You are TechCorp support." }, { role: "user", content: `How do I reset router ${i}?` }, { role: "assistant", content: `Hold the reset button of router ${i} for ten seconds.` }] });

async function createDataset(page: Page, name: string) {
  await page.goto("/datasets");
  await page.getByRole("button", { name: "New dataset" }).click();
  const dialog = page.getByRole("dialog", { name: "New dataset" });
  await dialog.getByLabel("Name").fill(name);
  await dialog.getByLabel("Description").fill("Imported in the e2e test");
  await dialog.getByRole("button", { name: "Create and import" }).click();
  await expect(page).toHaveURL(/\/datasets\/[^/?]+\?tab=import/);
  await expect(page.getByRole("heading", { level: 1, name: new RegExp(name) })).toBeVisible();
}

test("a JSONL with a bad line is reviewed, then its valid lines are imported; drag and drop works", async ({ page }) => {
  const name = `E2E import ${Date.now()}`;
  await createDataset(page, name);

  const lines = Array.from({ length: 12 }, (_, i) => chat(i));
  lines.splice(4, 0, '{"messages": [{"role": "user", "content": 42}, {"role": "assistant", "content": "ok"}]}');
  await page.getByLabel("File to import", { exact: true }).setInputFiles({ name: "support.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(lines.join("\n")) });
  await expect(page.getByText("support.jsonl · ")).toBeVisible();
  await page.getByRole("button", { name: "Upload and check" }).click();

  const report = page.getByRole("table", { name: "Lines with errors" });
  await expect(report).toBeVisible();
  const bad = report.getByRole("row").filter({ hasText: "invalid_content" });
  await expect(bad.getByRole("cell").first()).toHaveText("5");
  await expect(bad).toContainText("quote it");
  await expect(page.getByText("Needs review")).toBeVisible();
  await screenshotPage(page, "e2e/artifacts/import-report.png");

  await page.getByRole("button", { name: "Import 12 valid lines" }).click();
  await expect(page.getByText("Imported 12 examples")).toBeVisible();
  await expect(page.getByText("1 line with errors was skipped.", { exact: false })).toBeVisible();
  await screenshotPage(page, "e2e/artifacts/import-success.png");
  await expect(page.getByRole("link", { name: "View examples" })).toHaveAttribute("href", /\/datasets\/[^/?]+\?tab=examples$/);

  // A real drop event with a DataTransfer holding a file.
  const dataTransfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer();
    dt.items.add(new File([text], "dropped.jsonl", { type: "application/jsonl" }));
    return dt;
  }, Array.from({ length: 10 }, (_, i) => chat(100 + i)).join("\n"));
  const zone = page.getByRole("region", { name: "Drop a file to import" });
  await zone.dispatchEvent("dragover", { dataTransfer });
  await zone.dispatchEvent("drop", { dataTransfer });
  await expect(zone).toContainText("dropped.jsonl");
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByText("Imported 10 examples")).toBeVisible();

  const history = page.getByRole("table", { name: "Import history" });
  await expect(history.getByRole("row").filter({ hasText: "dropped.jsonl" })).toContainText("Imported");
  await expect(history.getByRole("row").filter({ hasText: "support.jsonl" })).toContainText("12");

  // The list page shows the 22 rows.
  await page.goto("/datasets");
  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row.getByRole("cell").nth(1)).toHaveText("22");
});

test("a CSV goes through the column-mapping step", async ({ page }) => {
  await createDataset(page, `E2E CSV ${Date.now()}`);
  const csv = ["question,answer,tone", ...Array.from({ length: 10 }, (_, i) => `"How do I pair headset ${i}?","Hold the power button of headset ${i}, then choose it in Bluetooth settings.",calm`)].join("\r\n");
  await page.getByLabel("File to import", { exact: true }).setInputFiles({ name: "faq.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
  await expect(page.getByLabel("Format")).toHaveValue("csv");
  await page.getByRole("button", { name: "Upload and check" }).click();

  await expect(page.getByLabel("User column")).toHaveValue("question");
  await expect(page.getByLabel("Assistant column")).toHaveValue("answer");
  const preview = page.getByRole("table", { name: "Preview of the first rows as examples" });
  await expect(preview.getByRole("row").nth(1)).toContainText("How do I pair headset 0?");
  await page.getByLabel("System column").selectOption("tone");
  await expect(preview.getByRole("row").nth(1).getByRole("cell").first()).toHaveText("calm");
  await page.getByLabel("System column").selectOption("");
  await screenshotPage(page, "e2e/artifacts/import-csv-mapping.png");
  await page.getByRole("button", { name: "Import with this mapping" }).click();
  await expect(page.getByText("Imported 10 examples")).toBeVisible();
});

test("a file over 10 MB arrives whole through the browser upload (the proxy does not cut it)", async ({ page }) => {
  await createDataset(page, `E2E large ${Date.now()}`);
  // Long answers (about 4 KB, like a detailed support reply), so 12 MB is about 3,000 examples rather than 66,000:
  // the upload is what this test is about, not importing and analysing many rows.
  const steps = Array.from({ length: 60 }, (_, k) => `Step ${k + 1}: check the cable of port ${k % 4} and the status light.`).join(" ");
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < 12 * 1024 * 1024; i++) {
    const line = JSON.stringify({ messages: [{ role: "user", content: `Router ${i} keeps dropping the connection. What should I do?` }, { role: "assistant", content: `For router ${i}: ${steps}` }] }) + "\n";
    lines.push(line);
    size += Buffer.byteLength(line);
  }
  await page.getByLabel("File to import", { exact: true }).setInputFiles({ name: "large.jsonl", mimeType: "application/jsonl", buffer: Buffer.from(lines.join("")) });
  await page.getByRole("button", { name: "Upload and check" }).click();
  await expect(page.getByText(`Imported ${lines.length.toLocaleString("en-US")} examples`)).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/12\.\d MB · openai-chat/)).toBeVisible();
});
