import type { Fingerprint } from "./fingerprint";

// Messages between the analysis and its counting threads. Rows travel with their JSON columns as text, so
// the parsing happens in the threads too, not on the main thread that talks to Postgres.

export type ThreadRow = {
  id: string;
  kind: "chat" | "preference";
  messages: string;
  tools: string | null;
  preference: string | null;
  extra: string | null;
  /** Count tokens (tokenCount is null); otherwise only fingerprint. */
  count: boolean;
};

export type ThreadRowResult = { id: string; tokenCount: number | null; assistantTokens: number | null; fingerprint: Fingerprint };

export type ThreadRequest = { taskId: number; rows: ThreadRow[] };
export type ThreadResponse = { taskId: number; results: ThreadRowResult[] } | { taskId: number; error: string };

/** What a thread is started with: the model its counter is built for. */
export type ThreadData = { countModel: string; modelsDir?: string };
