import { withAbort, type GenerateOptions, type NativeModel } from "../../native/index";
import type { ChatTokenizer } from "./chat-tokenizer";
import { StreamDecoder } from "./stream";

// Text generation for a batch of prompts on the native model, with what only TypeScript can do: stop
// strings (they need decoded text). The trainer stops each prompt at its stop tokens; a prompt that hits a
// stop string here is finished for us (later tokens are ignored), and once every prompt is finished the
// whole call is cancelled so no compute is wasted on text nobody will read.

export type TextResult = { text: string; tokens: number[]; finishReason: "stop" | "length" | "cancelled" };

export type GenerateTextOptions = Omit<GenerateOptions, "stopTokenIds"> & {
  stopStrings?: string[];
  signal?: AbortSignal;
  /** Newly decoded, final text of prompt `index` as it streams. */
  onText?: (index: number, text: string) => void;
};

export async function generateText(model: NativeModel, chat: ChatTokenizer, prompts: number[][], opts: GenerateTextOptions = {}): Promise<TextResult[]> {
  const { stopStrings = [], signal, onText, ...options } = opts;
  const stopTokenIds = [...new Set([...model.info().eosTokenIds, ...chat.stopTokenIds])];
  const decoders = prompts.map(() => new StreamDecoder(chat, stopStrings));
  const tokens: number[][] = prompts.map(() => []);
  const ended = prompts.map(() => false);
  const inner = new AbortController();
  const onOuterAbort = () => inner.abort();
  signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (signal?.aborted) inner.abort();
  const onToken = (index: number, token: number) => {
    const d = decoders[index];
    if (!d || ended[index]) return;
    if (stopTokenIds.includes(token)) {
      ended[index] = true;
    } else {
      tokens[index]!.push(token);
      const piece = d.push(token);
      if (piece) onText?.(index, piece);
      if (d.stopped) ended[index] = true;
    }
    if (ended.every(Boolean)) inner.abort();
  };
  try {
    const results = await withAbort(model, inner.signal, () => model.generate(prompts, { ...options, stopTokenIds }, onToken));
    return results.map((r, i) => {
      const d = decoders[i]!;
      const rest = d.flush();
      if (rest) onText?.(i, rest);
      // Our own record of the stream is authoritative: it excludes the stop token and anything after a stop string.
      const finishReason = d.stopped || (ended[i] && r.finishReason === "cancelled") ? "stop" : r.finishReason;
      return { text: d.text, tokens: tokens[i]!, finishReason };
    });
  } finally {
    signal?.removeEventListener("abort", onOuterAbort);
  }
}
