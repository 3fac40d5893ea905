import type { PrismaClient, Split } from "@prisma/client";
import { prisma } from "../db/client";

export type ExampleRow = {
  id: string;
  position: number;
  split: Split;
  tags: string[];
  tokenCount: number | null;
  source: string;
  messages: { role: string; content: string }[];
};

export type DatasetDetail = {
  id: string;
  name: string;
  description: string;
  isSample: boolean;
  updatedAt: string;
  exampleCount: number;
  validationCount: number;
  tokenCount: number;
  examples: ExampleRow[];
};

// Read-only view for now; the curation table (paging, editing, import) replaces it later.
const MAX_EXAMPLES = 500;

function messageText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content == null) return "";
  return JSON.stringify(content);
}

/** A dataset with its first examples in table order, or null when it does not exist. */
export async function getDataset(opts: { id: string; db?: PrismaClient }): Promise<DatasetDetail | null> {
  const db = opts.db ?? prisma();
  const dataset = await db.dataset.findUnique({
    where: { id: opts.id },
    include: {
      examples: { orderBy: { position: "asc" }, take: MAX_EXAMPLES },
      _count: { select: { examples: true } },
    },
  });
  if (!dataset) return null;
  // Totals over every example, not just the ones shown.
  const groups = await db.example.groupBy({
    by: ["split"],
    where: { datasetId: dataset.id },
    _count: { _all: true },
    _sum: { tokenCount: true },
  });
  return {
    id: dataset.id,
    name: dataset.name,
    description: dataset.description,
    isSample: dataset.isSample,
    updatedAt: dataset.updatedAt.toISOString(),
    exampleCount: dataset._count.examples,
    validationCount: groups.find((g) => g.split === "validation")?._count._all ?? 0,
    tokenCount: groups.reduce((n, g) => n + (g._sum.tokenCount ?? 0), 0),
    examples: dataset.examples.map((e) => ({
      id: e.id,
      position: e.position,
      split: e.split,
      tags: e.tags,
      tokenCount: e.tokenCount,
      source: e.source,
      messages: (Array.isArray(e.messages) ? e.messages : []).map((m) => {
        const msg = (m ?? {}) as { role?: unknown; content?: unknown };
        return { role: String(msg.role ?? "?"), content: messageText(msg.content) };
      }),
    })),
  };
}
