import { expect, test } from "./stack";
import { colorTask } from "../lib/testing/tiny-model/task";
import { contradictedVersion } from "./local-data";
import { screenshotPage } from "./screenshot";

// A sweep from the local launch form, the way a team looks for its learning rate: one job per value, launched
// together, landing on the compare page, which follows them until they end and marks the setting they differ in.

const DIR = "e2e/artifacts";

test("a learning-rate sweep launches one job per value and compares them as they train", async ({ page }) => {
  test.setTimeout(150_000);
  const { datasetId, versionNumber } = await contradictedVersion(page.request, colorTask(8), colorTask(4, 8));
  await page.goto(`/jobs/new?dataset=${datasetId}&version=${versionNumber}`);
  await page.getByRole("radio", { name: "Local", exact: true }).check();
  for (const [label, value] of [["Rank (r)", "8"], ["Alpha", "16"], ["Epochs", "2"], ["Micro-batch", "4"], ["Gradient accumulation", "1"], ["Warmup ratio", "0"]] as const) {
    await page.getByLabel(label, { exact: true }).fill(value);
  }
  await page.getByLabel("Quantization of the frozen weights").selectOption("none");
  await page.getByLabel("Backend").selectOption("cpu");

  await page.getByLabel("Launch one job per value of a setting").check();
  await expect(page.getByLabel("Setting to vary")).toHaveValue("lr");
  await expect(page.getByLabel("Values")).toHaveValue("1e-4, 2e-4, 5e-4");
  await expect(page.getByRole("button", { name: "Launch 3 jobs" })).toBeVisible();
  // Values that are not numbers block the launch and say which.
  await page.getByLabel("Values").fill("0.01, fast");
  await expect(page.getByText('Values: "fast" is not a number.')).toBeVisible();
  await expect(page.getByRole("button", { name: "Launch locally" })).toBeDisabled();
  // A value the server refuses launches nothing, and the form names it.
  await page.getByLabel("Setting to vary").selectOption("rank");
  await expect(page.getByLabel("Values")).toHaveValue("8, 16, 32");
  await page.getByLabel("Values").fill("8, 4096");
  await page.getByRole("button", { name: "Launch 2 jobs" }).click();
  await expect(page.locator(".notice-danger")).toContainText("rank = 4096: config.lora.rank: rank must be 1 to 1024.");
  await expect(page).toHaveURL(/\/jobs\/new/);

  await page.getByLabel("Setting to vary").selectOption("lr");
  await page.getByLabel("Values").fill("0.01, 0.05");
  await expect(page.getByTestId("local-sweep-summary")).toHaveText(/^2 jobs, learning rate 0\.01, 0\.05, each with every other setting above/);
  await page.locator("fieldset", { hasText: "Launch one job per value of a setting" }).screenshot({ path: `${DIR}/local-sweep-form.png` });
  await page.getByRole("button", { name: "Launch 2 jobs" }).click();

  await page.waitForURL(/\/jobs\/compare\?ids=[^,]+,[^,]+$/);
  const table = page.getByTestId("compare-table");
  // The page follows the jobs until both have ended.
  await expect(table.locator("tr[data-row=status] td")).toHaveText(["succeeded", "succeeded"], { timeout: 120_000 });
  await expect(page.getByTestId("compare-refreshing")).toHaveCount(0);
  await expect(table.locator("tr[data-row=lr]")).toHaveAttribute("data-differs", "true");
  await expect(table.locator("tr[data-row=lr] td")).toHaveText(["0.01", "0.05"]);
  await expect(table.locator("tr[data-row=suffix] td")).toHaveText(["lr=0.01", "lr=0.05"]);
  await expect(table.locator("tr[data-row=rank] td")).toHaveText(["8", "8"]);
  await expect(table.locator("tr[data-row=steps] td")).toHaveText(["4 of 4", "4 of 4"]);
  await expect(page.getByTestId("compare-loss")).toHaveAttribute("data-series", "2");
  await screenshotPage(page, `${DIR}/local-sweep-compare.png`);
});
