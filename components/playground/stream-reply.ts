import { readSse } from "@/lib/jobs/live/sse-parse";
import type { InferenceMessage } from "@/lib/playground/channel";
import type { PlaygroundRequest } from "@/lib/playground/request";

// The browser side of POST /api/playground: EventSource cannot POST, so the body is read with fetch and
// parsed as Server-Sent Events. A 4xx arrives as JSON ({ error: { message } }) before any stream starts.

export type ReplyEvent = InferenceMessage;

export async function streamReply(body: PlaygroundRequest, onMessage: (m: ReplyEvent) => void, signal: AbortSignal): Promise<void> {
  let res: Response;
  try {
    res = await fetch("/api/playground", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
      credentials: "same-origin",
      signal,
    });
  } catch (err) {
    if ((err as Error).name === "AbortError") return;
    onMessage({ type: "error", message: "Cannot reach the tuneforge server. Is it running?" });
    return;
  }
  if (!res.ok || !res.body) {
    const parsed = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    onMessage({ type: "error", message: parsed?.error?.message ?? `Request failed: ${res.status}` });
    return;
  }
  try {
    for await (const frame of readSse(res.body)) {
      if (!("data" in frame) || frame.event !== "message") continue;
      try {
        onMessage(JSON.parse(frame.data) as ReplyEvent);
      } catch {
        // a frame we do not understand; the next ones still count
      }
    }
  } catch (err) {
    if ((err as Error).name !== "AbortError") onMessage({ type: "error", message: `The stream stopped: ${(err as Error).message}` });
  }
}
