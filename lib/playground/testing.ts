import { readSse } from "../jobs/live/sse-parse";
import { parseInferenceMessage, type InferenceMessage } from "./channel";

// For tests of POST /api/playground: one request through the route handler, its reply read as the page reads it.

export type PlaygroundReply = {
  status: number;
  text: string;
  messages: InferenceMessage[];
  done?: Extract<InferenceMessage, { type: "done" }>;
  /** A 4xx's message, or the stream's error message. */
  error?: string;
  /** A 4xx's code. */
  code?: string;
};

/** Sends `body`; `abortAfterTokens` aborts the request (the browser's Stop) once that many tokens arrived. */
export async function askPlayground(
  route: (req: Request) => Promise<Response>,
  body: Record<string, unknown>,
  opts: { abortAfterTokens?: number } = {},
): Promise<PlaygroundReply> {
  const ac = new AbortController();
  const res = await route(new Request("http://127.0.0.1/api/playground", { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, signal: ac.signal }));
  const reply: PlaygroundReply = { status: res.status, text: "", messages: [] };
  const type = res.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) {
    const { error } = (await res.json()) as { error: { message: string; code: string } };
    return { ...reply, error: error.message, code: error.code };
  }
  if (type !== "text/event-stream; charset=utf-8") throw new Error(`POST /api/playground answered ${res.status} with content-type ${type}, neither JSON nor an event stream`);
  let tokens = 0;
  try {
    for await (const frame of readSse(res.body!)) {
      if (!("data" in frame) || frame.event !== "message") continue;
      const m = parseInferenceMessage(frame.data)!;
      reply.messages.push(m);
      if (m.type === "token") {
        reply.text += m.text;
        if (++tokens === opts.abortAfterTokens) ac.abort();
      }
      if (m.type === "done") reply.done = m;
      if (m.type === "error") reply.error = m.message;
    }
  } catch (err) {
    if ((err as Error).name !== "AbortError") throw err;
  }
  return reply;
}
