import type { Redis } from "ioredis";
import { createRedis } from "../redis";

// The live channel of one playground request: the worker publishes the reply's text as it decodes, the
// POST /api/playground stream relays it. Nothing is stored: a prompt may be private, and a lost reply is
// simply asked again. A Stop in the browser sets the request's cancel key, which the worker checks.

export type GenerationStats = {
  /** "tool_calls": a hosted model's reply that ended by calling tools. */
  finishReason: "stop" | "length" | "cancelled" | "tool_calls";
  /** Tokens generated (the stop token excluded). */
  tokens: number;
  promptTokens: number;
  /** From the worker taking the request (model load included) to the first token. */
  timeToFirstTokenMs: number | null;
  /** Generated tokens per second from the first token on. */
  tokensPerSecond: number | null;
  elapsedMs: number;
  /** The backend that generated it ("cuda" or "cpu"; "openai" for a hosted job's models). */
  backend?: string;
  /** A hosted reply's cost in USD from the price table (null: the table has no price for that model). */
  costUsd?: number | null;
  /** The calls a hosted reply made, as the API returned them (a tool result answers one by its id). */
  toolCalls?: HostedCall[];
};

/** One call of a hosted reply: its id, the function's name and the arguments as the API's JSON string. */
export type HostedCall = { id: string; name: string; arguments: string };

export type InferenceMessage =
  /** The worker took the request (it may have waited behind another in the queue). */
  | { type: "start"; promptTokens: number; maxTokens: number; /** Why the reply runs somewhere unusual (the CPU while a run trains on the GPU). */ note?: string }
  | { type: "token"; text: string }
  | ({ type: "done" } & GenerationStats)
  | { type: "error"; message: string };

export function inferenceChannel(prefix: string, requestId: string): string {
  return `${prefix}:inference:${requestId}`;
}

export function cancelKey(prefix: string, requestId: string): string {
  return `${prefix}:inference-cancel:${requestId}`;
}

/** Asks the worker to stop this request (before it starts or mid-generation). The key expires by itself. */
export async function requestCancel(redis: Redis, prefix: string, requestId: string): Promise<void> {
  await redis.set(cancelKey(prefix, requestId), "1", "EX", 600);
}

export async function isCancelled(redis: Redis, prefix: string, requestId: string): Promise<boolean> {
  return (await redis.exists(cancelKey(prefix, requestId))) === 1;
}

export function publishInference(redis: Redis, prefix: string, requestId: string, m: InferenceMessage): Promise<number> {
  return redis.publish(inferenceChannel(prefix, requestId), JSON.stringify(m));
}

export function parseInferenceMessage(raw: string): InferenceMessage | null {
  try {
    const m = JSON.parse(raw) as InferenceMessage;
    return m && typeof m === "object" && typeof m.type === "string" ? m : null;
  } catch {
    return null;
  }
}

const globalForPlayground = globalThis as unknown as { tuneforgePlaygroundRedis?: Redis };

/** The web process's one short-command connection for cancel keys (the live hub's is in subscriber mode). */
export function sharedCommandClient(): Redis {
  if (!globalForPlayground.tuneforgePlaygroundRedis) {
    const client = createRedis("client");
    client.on("error", (err: Error) => console.error(`[playground] redis: ${err.message}`));
    globalForPlayground.tuneforgePlaygroundRedis = client;
  }
  return globalForPlayground.tuneforgePlaygroundRedis;
}

/** Closes that connection (shutdown, tests); the next sharedCommandClient() opens a new one. */
export async function closeSharedCommandClient(): Promise<void> {
  const client = globalForPlayground.tuneforgePlaygroundRedis;
  globalForPlayground.tuneforgePlaygroundRedis = undefined;
  await client?.quit().catch(() => client.disconnect());
}
