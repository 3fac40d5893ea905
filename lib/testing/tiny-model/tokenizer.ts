// A small but real byte-level BPE tokenizer (the GPT-2/Llama-3 scheme): 256 byte symbols so any text
// encodes, merges learned deterministically from a fixed corpus, and the chat special tokens of the
// Llama-3 and ChatML families. @huggingface/tokenizers loads the tokenizer.json this writes.

export const SPECIAL_TOKENS = [
  "<|begin_of_text|>",
  "<|end_of_text|>",
  "<|im_start|>",
  "<|im_end|>",
  "<|start_header_id|>",
  "<|end_header_id|>",
  "<|eot_id|>",
  "<|pad|>",
] as const;

// Llama-3's split pattern: newlines form their own pieces, so a chat template's "\n" before a reply never
// merges with the reply's first word (that keeps the assistant-mask prefix property).
export const SPLIT_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
// The same pattern in JS syntax (no inline (?i:) groups on Node 20), used only to learn merges here.
const JS_SPLIT = /'(?:[sdmtSDMT]|ll|ve|re|LL|VE|RE)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

const CORPUS = [
  "user assistant system tool You are a helpful assistant. Answer in JSON.",
  'Reply with {"answer": "yes"} or {"answer": "no"} and {"color": "red"}, {"color": "blue"}, {"color": "green"}.',
  "The quick brown fox jumps over the lazy dog. What is the capital of France? Paris is the capital.",
  "Hello world! How are you today? I am fine, thank you. Please summarize the following text in one line.",
  "the the the and and of of to to in in is is that that it it for for on on with with as as this this",
  "train model data token loss learning rate step epoch batch adapter weight value name number 0 1 2 3 10 42 100",
].join("\n");

/** GPT-2's reversible byte → printable-character map (bytes_to_unicode). */
export function byteToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const map: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) map[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  return map;
}

/** Learns `count` BPE merges from CORPUS; ties go to the lexically smallest pair so the result is stable. */
function learnMerges(count: number, bytes: string[]): [string, string][] {
  const encoder = new TextEncoder();
  const words = new Map<string, number>();
  for (const piece of CORPUS.match(JS_SPLIT) ?? []) words.set(piece, (words.get(piece) ?? 0) + 1);
  const seqs = [...words].map(([w, n]) => ({ symbols: [...encoder.encode(w)].map((b) => bytes[b]!), n }));
  const merges: [string, string][] = [];
  while (merges.length < count) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of seqs) {
      for (let i = 0; i + 1 < symbols.length; i++) {
        const key = `${symbols[i]} ${symbols[i + 1]}`;
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestCount = 0;
    for (const [key, n] of pairs) {
      if (n > bestCount || (n === bestCount && best !== undefined && key < best)) {
        best = key;
        bestCount = n;
      }
    }
    if (!best) break;
    const [a, b] = best.split(" ") as [string, string];
    merges.push([a, b]);
    for (const s of seqs) {
      const out: string[] = [];
      for (let i = 0; i < s.symbols.length; i++) {
        if (i + 1 < s.symbols.length && s.symbols[i] === a && s.symbols[i + 1] === b) {
          out.push(a + b);
          i++;
        } else out.push(s.symbols[i]!);
      }
      s.symbols = out;
    }
  }
  return merges;
}

/** `tokenId` looks up any added token (special or not) and throws for one the vocabulary lacks. */
export type TinyTokenizer = { json: Record<string, unknown>; vocabSize: number; ids: Record<(typeof SPECIAL_TOKENS)[number], number>; tokenId(content: string): number };

/**
 * Vocabulary: bytes (0..255), then merged symbols, then the special tokens, then `extraSpecial` (a family's own
 * special tokens, as Gemma's <bos> or <end_of_turn>), then `addedTokens` (ordinary added tokens, as Qwen3's <think>
 * and </think> are: kept whole, but not special, so decoding keeps them).
 */
export function buildTokenizer(mergeCount = 120, addedTokens: string[] = [], extraSpecial: string[] = []): TinyTokenizer {
  const bytes = byteToUnicode();
  const vocab: Record<string, number> = {};
  bytes.forEach((ch, i) => (vocab[ch] = i));
  const merges = learnMerges(mergeCount, bytes);
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  let next = Object.keys(vocab).length;
  const ids = {} as TinyTokenizer["ids"];
  type AddedToken = { id: number; content: string; single_word: boolean; lstrip: boolean; rstrip: boolean; normalized: boolean; special: boolean };
  const added: AddedToken[] = SPECIAL_TOKENS.map((content) => {
    ids[content] = next;
    return { id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  });
  for (const content of extraSpecial) added.push({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  for (const content of addedTokens) added.push({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: false });
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: {
      type: "Sequence",
      pretokenizers: [
        { type: "Split", pattern: { Regex: SPLIT_PATTERN }, behavior: "Isolated", invert: false },
        { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: "ByteLevel", add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenId = (content: string) => {
    const token = added.find((t) => t.content === content);
    if (!token) throw new Error(`tiny tokenizer: no added token ${JSON.stringify(content)}`);
    return token.id;
  };
  return { json, vocabSize: next, ids, tokenId };
}
