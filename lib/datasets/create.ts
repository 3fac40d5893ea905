import { Prisma, type PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import { HttpError } from "../http/errors";

// A new, empty dataset (the list page's "New dataset", `tuneforge import --create`). Names are unique so the
// CLI and the UI can refer to a dataset by name.

export type CreatedDataset = { id: string; name: string; description: string };

export async function createDataset(opts: { name: string; description?: string; db?: PrismaClient }): Promise<CreatedDataset> {
  const db = opts.db ?? prisma();
  const name = opts.name.trim();
  if (!name) throw new HttpError(400, "bad_request", "name: give the dataset a name");
  try {
    // An empty dataset has nothing to analyse: it starts analysed at revision 0, so the table and totals do
    // not wait for ("counting…") an analysis that no change has asked for.
    const d = await db.dataset.create({
      data: { name, description: opts.description?.trim() ?? "", analyzedRevision: 0, analyzedAt: new Date() },
      select: { id: true, name: true, description: true },
    });
    return d;
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") {
      throw new HttpError(409, "dataset_exists", `A dataset named "${name}" already exists; choose another name or import into that one`);
    }
    throw err;
  }
}
