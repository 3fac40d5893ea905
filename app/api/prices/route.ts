import { route } from "@/lib/http/route";
import { createPrice } from "@/lib/pricing/edit";
import { priceCreateInput } from "@/lib/pricing/input";
import { listPrices } from "@/lib/pricing/list";

// GET /api/prices – the price table (USD per 1M tokens), filled from the defaults at first start
export const GET = route({}, async () => listPrices());

// POST /api/prices – add a row {provider?, model, trainingPerMTok, inputPerMTok?, cachedInputPerMTok?, outputPerMTok?, baseInputPerMTok?, baseCachedInputPerMTok?, baseOutputPerMTok?, asOf?, note?}; 409 when the model has a row
export const POST = route({ body: priceCreateInput }, async ({ body }) => ({ price: await createPrice({ input: body }) }));
