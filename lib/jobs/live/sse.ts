// Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html). Data is one
// JSON line, so no field ever needs splitting across several `data:` lines.

const encoder = new TextEncoder();

export function sseEvent(fields: { id?: string; event?: string; data: unknown }): Uint8Array {
  let out = "";
  if (fields.event) out += `event: ${fields.event}\n`;
  if (fields.id !== undefined) out += `id: ${fields.id}\n`;
  out += `data: ${JSON.stringify(fields.data)}\n\n`;
  return encoder.encode(out);
}

/** A comment line: ignored by EventSource, keeps proxies and idle timeouts from closing the connection. */
export function sseComment(text: string): Uint8Array {
  return encoder.encode(`: ${text}\n\n`);
}

/** How long EventSource waits before reconnecting after the connection drops. */
export function sseRetry(ms: number): Uint8Array {
  return encoder.encode(`retry: ${ms}\n\n`);
}

/**
 * The step the client already holds: the Last-Event-ID an EventSource sends on reconnect (our ids are metric
 * steps) or `?after=` on the first connect; the larger wins. -1 = nothing yet.
 */
export function parseCursor(lastEventId: string | null, after: string | null | undefined): number {
  const read = (v: string | null | undefined) => (v && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : -1);
  return Math.max(-1, read(lastEventId), read(after));
}

/** A text/event-stream response for `body`: never cached or transformed, and not buffered by reverse proxies. */
export function sseResponse(body: ReadableStream<Uint8Array>): Response {
  return new Response(body, {
    headers: {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store, no-transform",
      Connection: "keep-alive",
      // Reverse proxies (nginx) would otherwise buffer the stream and deliver it in bursts.
      "X-Accel-Buffering": "no",
    },
  });
}
