import type { toolCallsOut } from "./tools";

// A chat completion with stream: true, as OpenAI sends it: "chat.completion.chunk" objects sharing the id, created and
// model; the first delta carries the role (content ""), then the content a piece at a time (a word with the space
// before it), each tool call as one delta with its index, id, type and name (arguments "") and one with its arguments,
// then an empty delta with finish_reason. With stream_options.include_usage every chunk has usage null and a last one
// has no choices and the usage. vLLM's reasoning_content comes as deltas before the content.

type Call = ReturnType<typeof toolCallsOut>[number];
export type StreamedReply = {
  head: { id: string; created: number; model: string };
  content: string;
  reasoning?: string;
  calls: Call[];
  finish: "stop" | "length" | "tool_calls";
  usage: unknown;
  includeUsage: boolean;
};

/** Words with the whitespace before them, so the pieces join back into the content exactly. */
export const contentPieces = (content: string): string[] => content.match(/\s*\S+|\s+$/g) ?? [];

export function streamChunks(r: StreamedReply): unknown[] {
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...r.head,
    object: "chat.completion.chunk",
    service_tier: "default",
    system_fingerprint: "fp_emulator",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(r.includeUsage && { usage: null }),
  });
  const chunks: unknown[] = [chunk({ role: "assistant", content: "", refusal: null })];
  if (r.reasoning) for (const piece of contentPieces(r.reasoning)) chunks.push(chunk({ reasoning_content: piece }));
  for (const piece of contentPieces(r.content)) chunks.push(chunk({ content: piece }));
  r.calls.forEach((c, index) => {
    chunks.push(chunk({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
    chunks.push(chunk({ tool_calls: [{ index, function: { arguments: c.function.arguments } }] }));
  });
  chunks.push(chunk({}, r.finish));
  if (r.includeUsage) chunks.push({ ...r.head, object: "chat.completion.chunk", service_tier: "default", system_fingerprint: "fp_emulator", choices: [], usage: r.usage });
  return chunks;
}
