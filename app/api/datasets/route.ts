import { z } from "zod";
import { createDataset } from "@/lib/datasets/create";
import { listDatasets } from "@/lib/datasets/list";
import { route } from "@/lib/http/route";

// GET /api/datasets – every dataset with example counts per split and total tokens
export const GET = route({}, async () => ({ datasets: await listDatasets() }));

const createBody = z.object({ name: z.string().trim().min(1, "give the dataset a name").max(200), description: z.string().max(2000).optional() });

// POST /api/datasets – create an empty dataset {name, description?}; 409 when the name is taken
export const POST = route({ body: createBody }, async ({ body }) => ({ dataset: await createDataset(body) }));
