import { route } from "@/lib/http/route";
import { listPrices } from "@/lib/pricing/list";

// GET /api/prices – the price table (USD per 1M tokens), filled from the defaults on first read
export const GET = route({}, async () => listPrices());
