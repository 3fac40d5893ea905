import type { Prisma, PrismaClient } from "@prisma/client";
import { newExampleRow } from "../rows/build";
import { withDatasetIssues } from "../rows/issues";
import { fillSearchIndex } from "../rows/search-index";

// Known rows for the query tests: every filter and sort has rows that must and must not match, and the test
// computes what to expect from the same descriptions (in JS), so a wrong WHERE or ORDER BY cannot agree.

export type FixtureRow = Prisma.ExampleCreateManyInput & {
  id: string;
  position: number;
  tags: string[];
  issueCodes: string[];
  errorCount: number;
  warningCount: number;
  messageCount: number;
  promptPreview: string;
  replyPreview: string;
  searchText: string;
  tokenCount: number | null;
  split: "train" | "validation" | "test";
  updatedAt: Date;
};

/** Three lowercase letters unique per row: sorts the same under every collation. */
const prefix = (i: number) => String.fromCharCode(97 + ((i * 7) % 26), 97 + ((i * 11) % 26), 97 + Math.floor(i / 26));

// Row-specific text: literal % and _ (LIKE wildcards) next to look-alikes that only match unescaped.
const SPECIAL: Record<number, string> = { 3: "get 50% off today", 5: "get 50 off today", 4: "rename snake_case keys", 6: "rename snakeXcase keys" };

function messagesFor(i: number): Record<string, unknown>[] {
  const user = `${prefix(i)} Question ${i} about the ${i % 2 ? "Router" : "laptop"}${SPECIAL[i] ? `: ${SPECIAL[i]}` : ""}`;
  const reply = `${prefix(29 - i)} answer for ${i}${i % 3 === 0 ? " please restart" : ""}`;
  const messages: Record<string, unknown>[] = [{ role: "user", content: user }, { role: "assistant", content: reply }];
  if (i % 4 === 0) messages.push({ role: "user", content: "And then?" }, { role: "assistant", content: "Then it works." });
  // Rows 10 and 11 have no reply at all: the validator gives them errors.
  if (i === 10 || i === 11) return [{ role: "user", content: user }];
  return messages;
}

export async function createQueryFixture(db: PrismaClient, name: string): Promise<{ datasetId: string; rows: FixtureRow[] }> {
  const ds = await db.dataset.create({ data: { name } });
  const base = Date.UTC(2026, 0, 1);
  const built = Array.from({ length: 30 }, (_, i) => {
    const row = newExampleRow(
      { kind: "chat", example: { messages: messagesFor(i) } },
      {
        datasetId: ds.id,
        position: i,
        split: i % 10 === 8 ? "validation" : i % 10 === 9 ? "test" : "train",
        tags: [...(i % 3 === 0 ? ["billing"] : []), ...(i % 5 === 0 ? ["urgent"] : [])],
      },
    );
    const dup = i === 12 || i === 13 ? "exact_duplicate" : i === 14 ? "near_duplicate" : null;
    const issues = withDatasetIssues(row.issues, dup ? [{ code: dup, severity: "warning", message: "Same as an earlier example." }] : []);
    return {
      ...row,
      ...issues,
      issues: issues.issues as unknown as Prisma.InputJsonValue,
      tokenCount: i === 29 ? null : ((i * 37) % 100) + 10,
      updatedAt: new Date(base + ((i * 13) % 30) * 60_000),
    };
  });
  await db.example.createMany({ data: built });
  // @updatedAt stamps "now" on insert; the test wants known, distinct times.
  for (const r of built) await db.example.updateMany({ where: { datasetId: ds.id, position: r.position }, data: { updatedAt: r.updatedAt } });
  // Search reads example_search, which the analysis fills for new rows; here the fill runs at once.
  await fillSearchIndex(db, ds.id);
  const ids = await db.example.findMany({ where: { datasetId: ds.id }, select: { id: true, position: true } });
  const idAt = new Map(ids.map((r) => [r.position, r.id]));
  return { datasetId: ds.id, rows: built.map((r) => ({ ...r, id: idAt.get(r.position)! }) as FixtureRow) };
}
