import type { PrismaClient } from "@prisma/client";
import { prisma } from "../db/client";
import type { Env } from "../env";
import { HttpError } from "../http/errors";
import { deliver, type DeliveryResult } from "./deliver";
import { pingPayload } from "./payload";

/** Settings → Notifications → "Send a test": a signed "ping" now, and what the receiver answered. */
export async function sendTestMessage(id: string, opts: { db?: PrismaClient; env?: Env } = {}): Promise<DeliveryResult> {
  const db = opts.db ?? prisma();
  const hook = await db.webhook.findUnique({ where: { id } });
  if (!hook) throw new HttpError(404, "webhook_not_found", `No webhook with id ${id}`);
  return deliver(db, hook, pingPayload(), { env: opts.env });
}
