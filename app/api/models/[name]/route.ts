import { z } from "zod";
import { route } from "@/lib/http/route";
import { modelDetails } from "@/lib/models/details";

const params = z.object({ name: z.string().min(1) });

// GET /api/models/[name] – one model folder (confined to the models directory) and the workers' memory
export const GET = route({ params }, async ({ params }) => modelDetails(params.name));
