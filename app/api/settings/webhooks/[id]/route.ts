import { z } from "zod";
import { route } from "@/lib/http/route";
import { deleteWebhook } from "@/lib/notify/webhooks";

const params = z.object({ id: z.string().min(1) });

// DELETE /api/settings/webhooks/[id] – stops sending to it; deliveries already queued are dropped
export const DELETE = route({ params }, async ({ params }) => {
  await deleteWebhook(params.id);
  return { deleted: params.id };
});
