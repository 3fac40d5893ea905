import { z } from "zod";
import { route } from "@/lib/http/route";
import { addWebhook, listWebhooks } from "@/lib/notify/webhooks";

export const dynamic = "force-dynamic";

const body = z.record(z.string(), z.unknown(), { error: "send {url, events?} as a JSON object" });

// GET /api/settings/webhooks – {webhooks: [{id, urlHint, events, createdAt, lastDelivery}]} (never the URL)
export const GET = route({}, async () => ({ webhooks: await listWebhooks() }));

// POST /api/settings/webhooks – {url, events?}: 201 {webhook, secret}; the only time the signing secret is shown
export const POST = route({ body }, async ({ body }) => Response.json(await addWebhook(body), { status: 201, headers: { "Cache-Control": "no-store" } }));
