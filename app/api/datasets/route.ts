import { listDatasets } from "@/lib/datasets/list";
import { route } from "@/lib/http/route";

// GET /api/datasets – every dataset with example counts per split and total tokens
export const GET = route({}, async () => ({ datasets: await listDatasets() }));
