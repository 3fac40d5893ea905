import { randomBytes } from "node:crypto";
import type { PrismaClient, Webhook } from "@prisma/client";
import { z } from "zod";
import { decryptSecret, encryptSecret } from "../crypto/secret-box";
import { prisma } from "../db/client";
import { env as defaultEnv, type Env } from "../env";
import { HttpError } from "../http/errors";
import { WEBHOOK_EVENTS, type WebhookEvent } from "./events";

// Webhooks (Settings → Notifications, /api/settings/webhooks): URLs told when a job ends. The URL is stored
// encrypted — a Slack or Discord webhook URL lets anyone post to the channel — and only a hint of it reaches the
// browser. Each webhook has a signing secret, shown once when it is added, for receivers that check
// X-Tuneforge-Signature.

export { WEBHOOK_EVENTS, type WebhookEvent } from "./events";

const URL_CONTEXT = "webhooks:url";
const SECRET_CONTEXT = "webhooks:secret";

export const webhookInputSchema = z
  .object({
    url: z
      .string({ error: "is required: the address to POST to" })
      .trim()
      .url("must be a full address, e.g. https://hooks.slack.com/services/…")
      .refine((u) => /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// address")
      .refine((u) => u.length <= 2048, "must be at most 2048 characters"),
    events: z.array(z.enum(WEBHOOK_EVENTS, { error: `must be among ${WEBHOOK_EVENTS.join(", ")}` })).min(1, "pick at least one event").default([...WEBHOOK_EVENTS]),
  })
  .strict();

export type WebhookView = {
  id: string;
  urlHint: string;
  events: WebhookEvent[];
  createdAt: string;
  lastDelivery: { at: string; ok: boolean; message: string } | null;
};

/** "hooks.slack.com/…/Xy7Q": the host and the last 4 characters, never the path's token. */
export function urlHint(url: string): string {
  const u = new URL(url);
  const tail = `${u.pathname}${u.search}`.replace(/\/+$/, "");
  return tail.length > 1 ? `${u.host}/…/${tail.slice(-4)}` : u.host;
}

export function webhookView(w: Webhook): WebhookView {
  return {
    id: w.id,
    urlHint: w.urlHint,
    events: w.events.filter((e): e is WebhookEvent => (WEBHOOK_EVENTS as readonly string[]).includes(e)),
    createdAt: w.createdAt.toISOString(),
    lastDelivery: w.lastDeliveryAt ? { at: w.lastDeliveryAt.toISOString(), ok: !!w.lastDeliveryOk, message: w.lastDeliveryMessage ?? "" } : null,
  };
}

type Options = { db?: PrismaClient; env?: Env };

export async function listWebhooks(opts: Options = {}): Promise<WebhookView[]> {
  const rows = await (opts.db ?? prisma()).webhook.findMany({ orderBy: { createdAt: "asc" } });
  return rows.map(webhookView);
}

/** Adds a webhook; the answer carries its signing secret, the only time it is shown. */
export async function addWebhook(raw: unknown, opts: Options = {}): Promise<{ webhook: WebhookView; secret: string }> {
  const parsed = webhookInputSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new HttpError(400, "invalid_webhook", `${i.path.join(".") || "body"}: ${i.message}.`);
  }
  const e = opts.env ?? defaultEnv();
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const row = await (opts.db ?? prisma()).webhook.create({
    data: {
      urlCiphertext: encryptSecret(parsed.data.url, { env: e, context: URL_CONTEXT }),
      urlHint: urlHint(parsed.data.url),
      secretCiphertext: encryptSecret(secret, { env: e, context: SECRET_CONTEXT }),
      events: parsed.data.events,
    },
  });
  return { webhook: webhookView(row), secret };
}

export async function deleteWebhook(id: string, opts: Options = {}): Promise<void> {
  const { count } = await (opts.db ?? prisma()).webhook.deleteMany({ where: { id } });
  if (count === 0) throw new HttpError(404, "webhook_not_found", `No webhook with id ${id}`);
}

/** The URL and signing secret, for the worker that delivers (server side only). */
export function webhookSecrets(w: Webhook, e: Env = defaultEnv()): { url: string; secret: string } {
  return { url: decryptSecret(w.urlCiphertext, { env: e, context: URL_CONTEXT }), secret: decryptSecret(w.secretCiphertext, { env: e, context: SECRET_CONTEXT }) };
}
