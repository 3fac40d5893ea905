import { route } from "@/lib/http/route";
import { listModels } from "@/lib/models/details";

// GET /api/models – model folders in the models directory with their details, and the workers' GPUs and RAM
export const GET = route({}, async () => listModels());
