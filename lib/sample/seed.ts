import { Prisma, type PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { env } from "../env";
import { exampleDerivedColumns } from "../datasets/rows/derive";
import { countChatExampleTokens, DEFAULT_COUNT_MODEL } from "../tokens/count";
import { SAMPLE_EXAMPLES, SAMPLE_SYSTEM_PROMPT, type SampleMessage } from "./techcorp";

export const SAMPLE_SEEDED_KEY = "sampleSeeded";
export const SAMPLE_DATASET_NAME = "Sample — TechCorp support";

/** Builds the chat messages of one sample example: the system prompt, then alternating user/assistant turns. */
export function sampleMessages(turns: readonly string[]): SampleMessage[] {
  return [
    { role: "system", content: SAMPLE_SYSTEM_PROMPT },
    ...turns.map((content, i): SampleMessage => ({ role: i % 2 === 0 ? "user" : "assistant", content })),
  ];
}

/**
 * Creates the sample dataset once per installation. The AppState flag (not the dataset's existence)
 * decides, so a user who deleted the sample does not get it back on the next start.
 */
export async function seedSampleData(opts: { db?: PrismaClient } = {}): Promise<{ created: boolean }> {
  if (env().TUNEFORGE_NO_SAMPLE) return { created: false };
  const db = opts.db ?? prisma();
  if (await db.appState.findUnique({ where: { key: SAMPLE_SEEDED_KEY } })) return { created: false };

  // Token counting is the slow part; do it before opening the transaction.
  const rows = SAMPLE_EXAMPLES.map((ex, position) => {
    const messages = sampleMessages(ex.turns);
    return {
      position,
      messages,
      split: ex.split,
      tags: ex.tags,
      ...exampleDerivedColumns({ kind: "chat", messages }),
      tokenCount: countChatExampleTokens({ messages }, DEFAULT_COUNT_MODEL),
      source: "sample",
    };
  });

  try {
    return await db.$transaction(async (tx) => {
      // Claiming the key first makes concurrent starts (web + CLI) race on its primary key, not on the dataset.
      await tx.appState.create({ data: { key: SAMPLE_SEEDED_KEY, value: { at: new Date().toISOString() } } });
      // A dataset of the same name made by the user is left alone.
      if (await tx.dataset.findUnique({ where: { name: SAMPLE_DATASET_NAME } })) return { created: false };
      await tx.dataset.create({
        data: {
          name: SAMPLE_DATASET_NAME,
          description:
            "Sample customer-support conversations for a fictional SaaS company, created on first start so you can try " +
            "token counts, cost estimates and a fine-tuning run. Delete it whenever you like; it will not come back.",
          isSample: true,
          examples: { create: rows },
        },
      });
      return { created: true };
    });
  } catch (err) {
    // Another process seeded first (unique violation on the AppState key).
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return { created: false };
    throw err;
  }
}
