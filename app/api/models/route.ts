import { route } from "@/lib/http/route";
import { scanModels } from "@/lib/models/scan";

// GET /api/models – Hugging Face model folders found in the models directory
export const GET = route({}, async () => scanModels());
