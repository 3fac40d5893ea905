import type { PrismaClient } from "@prisma/client";

// Placeholder with the agreed signature; the analysis (token counts, duplicates, leakage) replaces it in this same change.
export async function analyzeDataset(_opts: { db: PrismaClient; datasetId: string; revision: number }): Promise<unknown> {
  throw new Error("dataset analysis is not built yet");
}
