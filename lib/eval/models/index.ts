import type { PrismaClient } from "@prisma/client";
import OpenAI from "openai";
import type { NativeAddon } from "../../../native/index";
import { env } from "../../env";
import { openAIClient } from "../../providers/openai/client";
import { endpointKeyFor } from "./endpoint-keys";
import { localGenerator } from "./local";
import { lookupPrice } from "./price";
import { remoteGenerator } from "./remote";
import type { ResolvedModel } from "./resolve";
import type { Generator } from "./types";

// A resolved model spec → a Generator. Remote clients are built once per run: OpenAI with the Settings
// credentials, an OpenAI-compatible endpoint with its base URL and the key configured for that URL, if any.

export { resolveModelSpec, type ResolvedModel } from "./resolve";
export { GenerationError, type Generation, type Generator } from "./types";

export type OpenGeneratorOptions = {
  db: PrismaClient;
  concurrency: number;
  maxRetries?: number;
  timeoutMs?: number;
  addon?: () => NativeAddon;
  /** Keys for endpoint: specs in TUNEFORGE_ENDPOINT_KEYS form; default: the environment's. */
  endpointKeys?: string;
};

export async function openGenerator(model: ResolvedModel, opts: OpenGeneratorOptions): Promise<Generator> {
  const maxRetries = opts.maxRetries ?? 4;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  if (model.where === "local") {
    return localGenerator({ model: model.model, modelDir: model.modelDir, adapterDir: model.adapterDir, label: model.label, batchSize: opts.concurrency, addon: opts.addon });
  }
  if (model.provider === "openai") {
    const client = await openAIClient({ db: opts.db, maxRetries, timeoutMs });
    return remoteGenerator({ client, model: model.model, label: model.label, concurrency: opts.concurrency, price: await lookupPrice(opts.db, model.model) });
  }
  const apiKey = endpointKeyFor(model.baseUrl, opts.endpointKeys ?? env().TUNEFORGE_ENDPOINT_KEYS);
  const client = new OpenAI({ apiKey, baseURL: model.baseUrl, maxRetries, timeout: timeoutMs, organization: null, project: null });
  return remoteGenerator({ client, model: model.model, label: model.label, concurrency: opts.concurrency, price: null, templateKwargs: true });
}
