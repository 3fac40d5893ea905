import { Prisma, type PrismaClient } from "@prisma/client";
import { prisma } from "../../db/client";
import { notFound } from "../../http/errors";
import { ISSUE_CODES, type IssueCode } from "../validate/codes";

// Counts behind the table's filter menus: every tag and issue code in the dataset with how many rows carry
// it, and rows per split. Whole-dataset figures (not narrowed by the other filters), so a menu never hides
// an option the user just filtered away.

export type DatasetFacets = {
  tags: { tag: string; count: number }[];
  codes: { code: string; severity: "error" | "warning"; count: number }[];
  splits: { train: number; validation: number; test: number };
  total: number;
};

export async function getFacets(opts: { datasetId: string; db?: PrismaClient }): Promise<DatasetFacets> {
  const db = opts.db ?? prisma();
  const id = opts.datasetId;
  const [exists, tags, codes, splits] = await Promise.all([
    db.dataset.findUnique({ where: { id }, select: { id: true } }),
    db.$queryRaw<{ tag: string; count: number }[]>(Prisma.sql`
      SELECT t.tag, count(*)::int AS count FROM examples e, unnest(e.tags) AS t(tag)
      WHERE e.dataset_id = ${id} GROUP BY t.tag ORDER BY count DESC, t.tag`),
    db.$queryRaw<{ code: string; count: number }[]>(Prisma.sql`
      SELECT c.code, count(*)::int AS count FROM examples e, unnest(e.issue_codes) AS c(code)
      WHERE e.dataset_id = ${id} GROUP BY c.code ORDER BY count DESC, c.code`),
    db.$queryRaw<{ split: string; count: number }[]>(Prisma.sql`
      SELECT e.split::text AS split, count(*)::int AS count FROM examples e WHERE e.dataset_id = ${id} GROUP BY e.split`),
  ]);
  if (!exists) throw notFound("Dataset");
  const bySplit = (s: string) => splits.find((r) => r.split === s)?.count ?? 0;
  return {
    tags,
    // A code the registry does not know (an older validator's) still shows, as a warning.
    codes: codes.map((c) => ({ ...c, severity: ISSUE_CODES[c.code as IssueCode]?.severity ?? "warning" })),
    splits: { train: bySplit("train"), validation: bySplit("validation"), test: bySplit("test") },
    total: splits.reduce((n, r) => n + r.count, 0),
  };
}
