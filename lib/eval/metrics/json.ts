// JSON validity. Chat models very often wrap a JSON answer in a Markdown fence (```json … ```) even when asked not
// to; a consumer that strips one fence gets valid JSON, so we accept exactly that: ONE fenced block that is the
// whole output (with the "json" tag or no tag). Prose around the JSON, or several blocks, is not valid: a program
// reading the output could not know which part to parse.

const WHOLE_FENCE = /^```(?:json)?[ \t]*\r?\n([\s\S]*?)\r?\n?```$/i;

/** The text a JSON consumer would parse: the trimmed output, or the inside of one fence spanning all of it. */
export function jsonText(output: string): string {
  const trimmed = output.trim();
  const fenced = WHOLE_FENCE.exec(trimmed);
  return fenced ? fenced[1]!.trim() : trimmed;
}

/** The parsed JSON value of an output (see jsonText), or undefined when it is not JSON. */
export function parseJsonOutput(output: string): { ok: true; value: unknown } | { ok: false } {
  const text = jsonText(output);
  if (text === "") return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** 1 when the output (or its single whole-output ```json fence) parses as JSON, else 0. */
export function jsonValid(output: string): number {
  return parseJsonOutput(output).ok ? 1 : 0;
}
