import type { Prisma } from "@prisma/client";
import { newExampleRow } from "../../../lib/datasets/rows/build";
import { withDatasetIssues } from "../../../lib/datasets/rows/issues";
import { mulberry32 } from "../../../lib/random/mulberry32";

// Varied support-chat rows for the table benchmark: realistic previews and search text, tags, splits, a
// few example-level errors (from the real validator) and dataset-level warnings, token counts set.
// A seeded generator keeps every run on the same data.

/** Seeded rows: the project's mulberry32. */
export const seededRandom = mulberry32;

const PRODUCTS = ["router", "laptop", "invoice", "account", "password", "printer", "subscription", "phone", "tablet", "VPN", "mailbox", "webhook", "API key", "dashboard", "backup"];
const PROBLEMS = ["keeps disconnecting", "was charged twice", "will not turn on", "shows error 0x80070005", "is locked", "needs a refund", "is running slow", "lost all settings", "cannot sync", "returns HTTP 500", "expired yesterday", "is missing from my order"];
const OPENERS = ["Hi,", "Hello there.", "Urgent:", "Quick question -", "Good morning!", "Hey support,", ""];
const ASKS = ["How do I fix this?", "What should I do next?", "Can you help me?", "Is there a workaround?", "Please advise.", "Who can I talk to about it?"];
const FIXES = ["restart it and hold the reset button for 10 seconds", "open Settings > Billing and request a refund", "update the firmware to 4.2.1", "rotate the key under Developer settings", "clear the cache and sign in again", "check the cable and the status page"];
const WORDS = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu".split(" ");
const TAGS = ["billing", "login", "hardware", "api", "mobile", "urgent", "reviewed", "v2", "escalated", "refund"];

export function benchRow(i: number, datasetId: string, rand: () => number): Prisma.ExampleCreateManyInput {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const product = pick(PRODUCTS);
  const filler = Array.from({ length: 3 + Math.floor(rand() * 20) }, () => pick(WORDS)).join(" ");
  const user = `${pick(OPENERS)} My ${product} ${pick(PROBLEMS)} (ticket #${100000 + i}). ${filler}. ${pick(ASKS)}`.trim();
  const reply = `Sorry about the trouble with your ${product}. Please ${pick(FIXES)}. ${filler.split(" ").slice(0, 6).join(" ")}.`;
  const turns = 1 + Math.floor(rand() * 3);
  const messages: Record<string, unknown>[] = [{ role: "system", content: "You are TechCorp's support assistant." }];
  for (let t = 0; t < turns; t++) messages.push({ role: "user", content: t === 0 ? user : `Follow-up ${t}: ${pick(ASKS)}` }, { role: "assistant", content: reply });
  // ~2% end without a reply: the validator gives them a real error.
  if (rand() < 0.02) messages.pop();
  const r = rand();
  const split = r < 0.8 ? "train" : r < 0.9 ? "validation" : "test";
  const tags = TAGS.filter(() => rand() < 0.12);
  const row = newExampleRow({ kind: "chat", example: { messages } }, { datasetId, position: i, split, tags, source: `bench.jsonl:${i + 1}` });
  const flagged = rand();
  const datasetIssues =
    flagged < 0.03
      ? [{ code: "exact_duplicate" as const, severity: "warning" as const, message: "Same as an earlier example." }]
      : flagged < 0.05
        ? [{ code: "near_duplicate" as const, severity: "warning" as const, message: "Nearly the same as an earlier example." }]
        : flagged < 0.06
          ? [{ code: "too_many_tokens" as const, severity: "warning" as const, message: "Over the token limit." }]
          : [];
  const issues = withDatasetIssues(row.issues, datasetIssues);
  const tokenCount = 30 + Math.floor(rand() * rand() * 4000);
  return {
    ...row,
    ...issues,
    issues: issues.issues as unknown as Prisma.InputJsonValue,
    splitManual: rand() < 0.02,
    tokenCount,
    assistantTokens: Math.floor(tokenCount * 0.4),
  };
}
