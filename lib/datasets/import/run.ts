import type { PrismaClient } from "@prisma/client";

// Placeholder with the agreed signature; the import pipeline replaces it in this same change.
export async function runDatasetImport(_opts: { db: PrismaClient; importId: string }): Promise<unknown> {
  throw new Error("dataset import is not built yet");
}
