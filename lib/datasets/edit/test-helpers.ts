import type { PrismaClient } from "@prisma/client";
import { insertExampleRows } from "../import/insert-rows";
import { newExampleRow } from "../rows/build";

// Datasets for the editing integration tests, built with the same row builder as import.

export const chat = (user: string, assistant: string) => [
  { role: "user", content: user },
  { role: "assistant", content: assistant },
];

export async function makeDataset(db: PrismaClient, examples: { messages: Record<string, unknown>[]; tags?: string[] }[], name = "edit") {
  const dataset = await db.dataset.create({ data: { name: `${name}-${Date.now()}-${Math.random().toString(36).slice(2)}` } });
  await insertExampleRows(
    db,
    examples.map((e, i) => newExampleRow({ kind: "chat", example: { messages: e.messages } }, { datasetId: dataset.id, position: i, tags: e.tags, source: `test.jsonl:${i + 1}` })),
  );
  const rows = await db.example.findMany({ where: { datasetId: dataset.id }, orderBy: { position: "asc" } });
  return { dataset, rows };
}
