import { z } from "zod";
import { route } from "@/lib/http/route";
import { resetPrice } from "@/lib/pricing/edit";

const params = z.object({ id: z.string().min(1) });

// POST /api/prices/[id]/reset – put a built-in row back to its default prices; 400 for a row the user added
export const POST = route({ params }, async ({ params }) => ({ price: await resetPrice({ id: params.id }) }));
