import { expect, test } from "./stack";
import { DEFAULT_PRICES } from "../lib/pricing/defaults";
import { PAGES } from "./pages";

test("the dashboard loads with the next steps and the OpenAI wind-down banner", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  const steps = page.getByRole("list", { name: "Next steps" });
  for (const step of ["Add data", "Check the cost", "Fine-tune", "Evaluate"]) {
    await expect(steps.getByRole("heading", { name: new RegExp(step) })).toBeVisible();
  }
  // Prices are filled at first start, before anyone opens the Costs page.
  await expect(steps.getByText(`The price table covers ${DEFAULT_PRICES.length} models`)).toBeVisible();
  await expect(page.getByText(/OpenAI stops accepting new fine-tuning jobs on 6 January 2027 — \d+ days? left|OpenAI no longer accepts new fine-tuning jobs/)).toBeVisible();
});

test("every navigation link opens its page", async ({ page }) => {
  await page.goto("/");
  const nav = page.getByRole("navigation", { name: "Main" });
  for (const p of PAGES) {
    await nav.getByRole("link", { name: p.link, exact: true }).click();
    await expect(page).toHaveURL((url) => url.pathname === p.path);
    await expect(page.getByRole("heading", { level: 1, name: p.heading })).toBeVisible();
    await expect(nav.getByRole("link", { name: p.link, exact: true })).toHaveAttribute("aria-current", "page");
  }
});

test("the status indicator shows database, Redis and workers online, with details", async ({ page }) => {
  await page.goto("/");
  const status = page.getByTestId("status-indicator");
  // Workers send a heartbeat every few seconds after start; give the first one time to land.
  await expect(status).toContainText(/\d+ workers? online/, { timeout: 30_000 });
  await expect(status).toContainText("Database ✓");
  await expect(status).toContainText("Redis ✓");
  await status.click();
  const details = page.getByRole("dialog", { name: "System status" });
  await expect(details).toBeVisible();
  await expect(details.getByRole("heading", { name: "Queues" })).toBeVisible();
  await expect(details.getByText("Native addon", { exact: true })).toBeVisible();
  // One fact per row: the build and its backends, then the GPU (none on a test machine: why, and that training runs
  // on the CPU), not the server's one-line message repeating the build.
  await expect(details.getByText(/^Built with cpu/)).toBeVisible();
  await expect(details.getByText("GPU", { exact: true })).toBeVisible();
  await expect(details.getByText(/training runs on the CPU/)).toBeVisible();
  await expect(details.getByText(/native addon built with/)).toHaveCount(0);
  await page.keyboard.press("Escape");
  await expect(details).toBeHidden();
});

test("keyboard users can skip to the content", async ({ page }) => {
  await page.goto("/datasets");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test("an unknown page says so and links home", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page.getByRole("link", { name: "Go to the overview" })).toBeVisible();
});
