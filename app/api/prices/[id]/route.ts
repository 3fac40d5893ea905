import { z } from "zod";
import { route } from "@/lib/http/route";
import { deletePrice, updatePrice } from "@/lib/pricing/edit";
import { priceUpdateInput } from "@/lib/pricing/input";

const params = z.object({ id: z.string().min(1) });

// PATCH /api/prices/[id] – change any of model, prices (fine-tuned and base), asOf, note; the row becomes source "edited", dated today unless asOf is given
export const PATCH = route({ params, body: priceUpdateInput }, async ({ params, body }) => ({ price: await updatePrice({ id: params.id, input: body }) }));

// DELETE /api/prices/[id] – remove a row
export const DELETE = route({ params }, async ({ params }) => ({ deleted: await deletePrice({ id: params.id }) }));
