import { EMULATOR, expect, test } from "./stack";
import { screenshotPage } from "./screenshot";

// The emulator started by scripts/serve-e2e.ts accepts any key that starts with "sk-test-".
const EMULATOR_URL = process.env.E2E_OPENAI_BASE_URL ?? `${EMULATOR}/v1`;
const API_KEY = "sk-test-e2e-1234567890abcd";

test("a key the provider rejects shows why the connection failed", async ({ page }) => {
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "OpenAI credentials" });
  await form.getByLabel("API key").fill("sk-wrong-e2e-0000000000wxyz");
  await form.getByLabel(/Base URL/).fill(EMULATOR_URL);
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByTestId("openai-key-masked")).toHaveText("…wxyz");
  await form.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("connection-test-result")).toContainText("Connection failed");
});

test("saves an OpenAI key, shows it only masked, and tests the connection", async ({ page }) => {
  await page.goto("/settings");
  const form = page.getByRole("form", { name: "OpenAI credentials" });
  await form.getByLabel("API key").fill(API_KEY);
  await form.getByLabel(/Base URL/).fill(EMULATOR_URL);
  await form.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/^Saved\./)).toBeVisible();
  await expect(form.getByLabel("API key")).toHaveValue("");

  await page.reload();
  await expect(page.getByTestId("openai-key-masked")).toHaveText("…abcd");
  await expect(page.getByTestId("openai-key-status")).toContainText("stored encrypted in the database");
  await expect(form.getByLabel(/Base URL/)).toHaveValue(EMULATOR_URL);
  // Neither the rendered page nor anything the browser received may hold the key.
  expect(await page.content()).not.toContain(API_KEY);
  expect(await page.evaluate(() => document.documentElement.outerHTML)).not.toContain("1234567890");

  await form.getByRole("button", { name: "Test connection" }).click();
  const result = page.getByTestId("connection-test-result");
  await expect(result).toContainText("Connection works");
  await expect(result).toContainText(EMULATOR_URL);
  await screenshotPage(page, "e2e/artifacts/settings-configured.png");
});

test("creates an API token, shows it once, lists and revokes it", async ({ page }) => {
  const name = `e2e token ${Date.now()}`;
  await page.goto("/settings");
  await page.getByLabel("Token name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = page.getByTestId("new-api-token");
  await expect(token).toBeVisible();
  const value = (await token.textContent()) ?? "";
  expect(value.length).toBeGreaterThan(20);

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toBeVisible();
  await expect(row).not.toContainText(value);

  await page.reload();
  await expect(page.getByTestId("new-api-token")).toHaveCount(0);
  expect(await page.content()).not.toContain(value);

  await page.getByRole("button", { name: `Revoke ${name}` }).click();
  const dialog = page.getByRole("dialog", { name: new RegExp(`Revoke “${name}”`) });
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("row").filter({ hasText: name })).toHaveCount(0);
});
