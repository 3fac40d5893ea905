import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { prisma } from "../../db/client";
import { countChatExampleTokens, DEFAULT_COUNT_MODEL, tokenLimitForModel } from "../../tokens/count";
import { messageShape } from "./shape";

// The editor's live token count: the same formula the analysis stores (countChatExampleTokens), plus each
// message's share so the editor can show it next to the message.

export const tokenCountShape = z.strictObject({
  model: z.string().min(1).max(200).optional(),
  /** When no model is given, the dataset's counting model is used. */
  datasetId: z.string().min(1).optional(),
  messages: z.array(messageShape, { error: "messages must be a list of messages" }).max(5_000),
  tools: z.array(z.record(z.string(), z.unknown()), { error: "tools must be a JSON array" }).nullable().optional(),
});

export type TokenCountInput = z.infer<typeof tokenCountShape>;
export type TokenCountResult = { model: string; tokens: number; perMessage: number[]; limit: number };

// countChatExampleTokens adds 3 tokens of reply priming once per example; a one-message example minus those
// is that message's share, so the shares plus priming (plus tools) add up to the total.
const REPLY_PRIMING = 3;

export async function countEditorTokens(opts: { input: TokenCountInput; db?: PrismaClient }): Promise<TokenCountResult> {
  const input = tokenCountShape.parse(opts.input);
  let model = input.model;
  if (!model && input.datasetId) {
    const dataset = await (opts.db ?? prisma()).dataset.findUnique({ where: { id: input.datasetId }, select: { countModel: true } });
    model = dataset?.countModel;
  }
  model ??= DEFAULT_COUNT_MODEL;
  const perMessage = input.messages.map((m) => countChatExampleTokens({ messages: [m] }, model) - REPLY_PRIMING);
  const tokens = countChatExampleTokens({ messages: input.messages, tools: input.tools ?? undefined }, model);
  return { model, tokens, perMessage, limit: tokenLimitForModel(model) };
}
