import { createHash, type Hash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import type { ConvertedRecord } from "./formats";

// Export writes what OpenAI trains on. The stored columns are the source: `messages` + `tools` for chat, and for
// DPO `messages` + `tools` are the prompt (`input`) while `preference` holds the two outputs. Keys are written in
// one fixed order, so export → import → export reproduces the same bytes.
// Other top-level keys of a chat line (`parallel_tool_calls`, …) live in the `extra` column and are written after
// `tools`, sorted by name (Postgres jsonb does not keep key order, so the file's order cannot be the rule).

export type ExportSplit = "train" | "validation" | "test";

/** The columns of an Example that export reads. */
export type StoredExample = {
  kind: "chat" | "preference";
  position: number;
  split: ExportSplit;
  messages: unknown;
  tools: unknown;
  preference: unknown;
  /** Other top-level keys of a chat line; null when none. */
  extra?: unknown;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The Example columns for a converted import record (the inverse of exampleRecord). */
export function storedFields(converted: ConvertedRecord): Pick<StoredExample, "kind" | "messages" | "tools" | "preference" | "extra"> {
  if (converted.kind === "chat") {
    const { messages, tools, ...rest } = converted.example;
    const extra = Object.keys(rest).length > 0 ? rest : null;
    return { kind: "chat", messages, tools: tools ?? null, preference: null, extra };
  }
  const { input, preferred_output, non_preferred_output } = converted.example;
  return { kind: "preference", messages: input.messages, tools: input.tools ?? null, preference: { preferred_output, non_preferred_output }, extra: null };
}

/** The OpenAI JSONL object of one stored example. */
export function exampleRecord(example: Pick<StoredExample, "kind" | "messages" | "tools" | "preference" | "extra">): Record<string, unknown> {
  const prompt: Record<string, unknown> = { messages: example.messages };
  if (example.tools != null) prompt.tools = example.tools;
  if (example.kind === "chat") {
    if (isRecord(example.extra)) {
      for (const key of Object.keys(example.extra).sort()) {
        if (key !== "messages" && key !== "tools") prompt[key] = example.extra[key];
      }
    }
    return prompt;
  }
  if (!isRecord(example.preference)) throw new Error("preference example has no stored preferred/non-preferred outputs");
  return {
    input: prompt,
    preferred_output: example.preference.preferred_output,
    non_preferred_output: example.preference.non_preferred_output,
  };
}

/** JSONL lines ('\n'-terminated) in table order, optionally of one split only; lazy so big sets stream. */
export function* jsonlLines(examples: Iterable<StoredExample>, split?: ExportSplit): Generator<string> {
  const chosen = [...examples].filter((e) => split === undefined || e.split === split);
  // Stable sort: examples sharing a position keep the caller's order.
  chosen.sort((a, b) => a.position - b.position);
  for (const example of chosen) yield `${JSON.stringify(exampleRecord(example))}\n`;
}

export function exportJsonl(opts: { examples: Iterable<StoredExample>; split?: ExportSplit }): string[] {
  return [...jsonlLines(opts.examples, opts.split)];
}

/**
 * Streams lines to `<path>.tmp`, then renames it to `path`, so a reader never sees half a file. When `hash` is
 * given it is fed the same bytes (freeze hashes several files as one stream).
 */
export async function writeJsonlFile(
  filePath: string,
  lines: Iterable<string> | AsyncIterable<string>,
  opts: { hash?: Hash } = {},
): Promise<{ bytes: number; lines: number; sha256: string }> {
  const tmp = `${filePath}.tmp`;
  const own = createHash("sha256");
  const out = createWriteStream(tmp);
  let bytes = 0;
  let count = 0;
  try {
    for await (const line of lines) {
      const chunk = Buffer.from(line, "utf8");
      own.update(chunk);
      opts.hash?.update(chunk);
      bytes += chunk.length;
      count++;
      // Respect backpressure instead of buffering a whole dataset in the stream.
      if (!out.write(chunk)) await once(out, "drain");
    }
    out.end();
    await once(out, "finish");
    await rename(tmp, filePath);
  } catch (error) {
    out.destroy();
    await rm(tmp, { force: true });
    throw error;
  }
  return { bytes, lines: count, sha256: own.digest("hex") };
}
