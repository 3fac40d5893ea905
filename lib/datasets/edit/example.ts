import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../../db/client";
import { transactionWithRetry } from "../../db/conflict";
import { badRequest, notFound } from "../../http/errors";
import type { ConvertedRecord } from "../formats";
import { contentColumns, newExampleRow } from "../rows/build";
import { syncSearchEntry } from "../rows/search-index";
import { markDatasetChanged, requestAnalysis } from "../rows/changed";
import type { StoredIssue } from "../rows/issues";
import { editConflict, exampleNotFound } from "./errors";
import { convertedFromContent } from "./record";
import { examplePatchShape, messageShape, normalizeTags, type ExamplePatch, type SplitName } from "./shape";

// One example at a time, for the message editor: read it whole, save an edit (which re-validates the row and
// asks the analysis to recount), append a blank one, delete one.

const EDITOR_SELECT = {
  id: true,
  datasetId: true,
  kind: true,
  position: true,
  messages: true,
  tools: true,
  extra: true,
  preference: true,
  split: true,
  splitManual: true,
  tags: true,
  issues: true,
  errorCount: true,
  warningCount: true,
  tokenCount: true,
  assistantTokens: true,
  source: true,
  createdAt: true,
  updatedAt: true,
} as const;

/** An example as the editor sees it (dates as ISO strings so it goes over JSON unchanged). */
export type EditorExample = {
  id: string;
  datasetId: string;
  kind: "chat" | "preference";
  position: number;
  messages: unknown[];
  tools: unknown[] | null;
  extra: Record<string, unknown> | null;
  preference: { preferred_output: unknown[]; non_preferred_output: unknown[] } | null;
  split: SplitName;
  splitManual: boolean;
  tags: string[];
  issues: StoredIssue[];
  errorCount: number;
  warningCount: number;
  tokenCount: number | null;
  assistantTokens: number | null;
  source: string;
  createdAt: string;
  updatedAt: string;
};

type Db = { db?: PrismaClient };

function toEditor(row: { createdAt: Date; updatedAt: Date } & Record<string, unknown>): EditorExample {
  return {
    ...(row as unknown as EditorExample),
    messages: Array.isArray(row.messages) ? row.messages : [],
    issues: Array.isArray(row.issues) ? (row.issues as StoredIssue[]) : [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function getExample(opts: { datasetId: string; exampleId: string } & Db): Promise<EditorExample> {
  const db = opts.db ?? prisma();
  const row = await db.example.findFirst({ where: { id: opts.exampleId, datasetId: opts.datasetId }, select: EDITOR_SELECT });
  if (!row) throw exampleNotFound();
  return toEditor(row);
}

/**
 * Saves an edit. The shape is checked (it must stay storable); OpenAI's rules are the validator's, whose
 * findings replace the row's example-level issues, so a saved example with errors shows them. A content change
 * clears the token counts and bumps the dataset revision, and the analysis recounts after the commit.
 * With expectedUpdatedAt, a row changed since the editor loaded it is refused (409) rather than overwritten.
 */
export async function updateExample(
  opts: { datasetId: string; exampleId: string; patch: ExamplePatch; expectedUpdatedAt?: string } & Db,
): Promise<EditorExample> {
  const db = opts.db ?? prisma();
  const patch = examplePatchShape.parse(opts.patch);
  // Nothing to change: no write, no new revision, no analysis.
  if (Object.keys(patch).length === 0) return getExample(opts);
  const revision = await transactionWithRetry(db, async (tx) => {
    const row = await tx.example.findFirst({ where: { id: opts.exampleId, datasetId: opts.datasetId } });
    if (!row) throw exampleNotFound();
    if (opts.expectedUpdatedAt !== undefined && row.updatedAt.getTime() !== new Date(opts.expectedUpdatedAt).getTime()) throw editConflict();
    if (patch.preference && row.kind !== "preference") {
      throw badRequest("preference: only DPO (preference) examples have preferred/non-preferred outputs; edit this chat example's messages instead", { path: "preference" });
    }
    const contentChanged = patch.messages !== undefined || patch.tools !== undefined || patch.extra !== undefined || patch.preference !== undefined;
    const content = contentChanged
      ? contentColumns(
          convertedFromContent({
            kind: row.kind,
            messages: patch.messages ?? (Array.isArray(row.messages) ? row.messages : []),
            tools: patch.tools !== undefined ? patch.tools : row.tools,
            extra: patch.extra !== undefined ? patch.extra : row.extra,
            preference: patch.preference ?? row.preference,
          }),
          row.issues,
        )
      : {};
    // Guarded by the updatedAt read above, so a concurrent save between the read and this write loses the race
    // visibly (409) instead of silently.
    const { count } = await tx.example.updateMany({
      where: { id: row.id, updatedAt: row.updatedAt },
      data: {
        ...content,
        ...(patch.split !== undefined ? { split: patch.split, splitManual: true } : {}),
        ...(patch.tags !== undefined ? { tags: normalizeTags(patch.tags) } : {}),
      },
    });
    if (count !== 1) throw editConflict();
    if (contentChanged) await syncSearchEntry(tx, row.id);
    return markDatasetChanged(tx, opts.datasetId);
  });
  await requestAnalysis(opts.datasetId, revision);
  return getExample(opts);
}

export const createTemplateShape = z.strictObject({
  messages: z.array(messageShape, { error: "messages must be a list of messages" }).max(5_000).optional(),
  /** Given: a DPO example whose `messages` are the prompt. */
  preference: z
    .strictObject({
      preferred_output: z.array(messageShape, { error: "preferred_output must be a list of messages" }),
      non_preferred_output: z.array(messageShape, { error: "non_preferred_output must be a list of messages" }),
    })
    .optional(),
});

/**
 * Appends an example at the end of the table. The default is a blank user + assistant pair: it is saved as is
 * and shows its missing_content errors until the user writes the text. With `preference` it is a DPO example.
 */
export async function createExample(opts: { datasetId: string; template?: z.infer<typeof createTemplateShape> } & Db): Promise<EditorExample> {
  const db = opts.db ?? prisma();
  const template = createTemplateShape.parse(opts.template ?? {});
  const pref = template.preference;
  const blank = pref ? [{ role: "user", content: "" }] : [{ role: "user", content: "" }, { role: "assistant", content: "" }];
  const messages = template.messages ?? blank;
  const converted: ConvertedRecord = pref
    ? { kind: "preference", example: { input: { messages }, preferred_output: pref.preferred_output, non_preferred_output: pref.non_preferred_output } }
    : { kind: "chat", example: { messages } };
  const { id, revision } = await transactionWithRetry(db, async (tx) => {
    const dataset = await tx.dataset.findUnique({ where: { id: opts.datasetId }, select: { id: true } });
    if (!dataset) throw notFound("Dataset");
    const { _max } = await tx.example.aggregate({ where: { datasetId: opts.datasetId }, _max: { position: true } });
    const created = await tx.example.create({
      data: newExampleRow(converted, { datasetId: opts.datasetId, position: (_max.position ?? -1) + 1, source: "manual" }),
      select: { id: true },
    });
    return { id: created.id, revision: await markDatasetChanged(tx, opts.datasetId) };
  });
  await requestAnalysis(opts.datasetId, revision);
  return getExample({ ...opts, exampleId: id });
}
