import { z } from "zod";
import { route } from "@/lib/http/route";
import { sendTestMessage } from "@/lib/notify/webhooks-test";

const params = z.object({ id: z.string().min(1) });

// POST /api/settings/webhooks/[id]/test – sends a "ping" now and answers how the receiver took it: {ok, status, message}
export const POST = route({ params }, async ({ params }) => ({ result: await sendTestMessage(params.id) }));
