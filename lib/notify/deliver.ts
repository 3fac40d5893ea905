import { createHmac, randomUUID } from "node:crypto";
import type { PrismaClient, Webhook } from "@prisma/client";
import type { Env } from "../env";
import type { EndingPayload } from "./payload";
import { webhookSecrets } from "./webhooks";

// One POST to one webhook, signed: X-Tuneforge-Signature is "sha256=" + the hex HMAC-SHA256 of the raw body with
// the webhook's secret (as GitHub signs its webhooks), X-Tuneforge-Event the event, X-Tuneforge-Delivery an id the
// receiver can use to drop a repeat (a delivery is retried when the receiver does not answer 2xx). The outcome is
// kept on the webhook for the Settings page.

export const DELIVERY_TIMEOUT_MS = 10_000;

export type DeliveryResult = { ok: boolean; status: number | null; message: string };

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

export async function deliver(db: PrismaClient, webhook: Webhook, payload: EndingPayload, opts: { env?: Env; deliveryId?: string; timeoutMs?: number } = {}): Promise<DeliveryResult> {
  const { url, secret } = webhookSecrets(webhook, opts.env);
  const body = JSON.stringify(payload);
  let result: DeliveryResult;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "tuneforge-webhooks",
        "x-tuneforge-event": payload.event,
        "x-tuneforge-delivery": opts.deliveryId ?? randomUUID(),
        "x-tuneforge-signature": signature(body, secret),
      },
      body,
      redirect: "manual",
      signal: AbortSignal.timeout(opts.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    const answer = (await res.text().catch(() => "")).slice(0, 200).trim();
    result = res.ok
      ? { ok: true, status: res.status, message: `${res.status} ${res.statusText}`.trim() }
      : { ok: false, status: res.status, message: `the receiver answered ${res.status}${answer ? `: ${answer}` : ""}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === "TimeoutError" ? `no answer within ${(opts.timeoutMs ?? DELIVERY_TIMEOUT_MS) / 1000} s` : (e.cause?.code ?? e.message);
    result = { ok: false, status: null, message: `could not reach ${webhook.urlHint} (${why})` };
  }
  await db.webhook.updateMany({ where: { id: webhook.id }, data: { lastDeliveryAt: new Date(), lastDeliveryOk: result.ok, lastDeliveryMessage: `${payload.event}: ${result.message}` } });
  return result;
}
