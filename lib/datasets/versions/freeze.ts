import type { PrismaClient } from "@prisma/client";
import { freezeDatasetVersion } from "../freeze";
import { getVersion, type VersionSummary } from "./list";

/** Freezes the working set into the next version and answers it as the list shows it. */
export async function freezeVersion(datasetId: string, note: string | undefined, opts: { db?: PrismaClient; root?: string } = {}): Promise<VersionSummary> {
  const version = await freezeDatasetVersion({ datasetId, note: note?.trim() ?? "", db: opts.db, root: opts.root });
  return getVersion(datasetId, version.number, { db: opts.db });
}
