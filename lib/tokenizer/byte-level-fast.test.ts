import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { writeTinyModel } from "../testing/tiny-model";
import { speedUpByteLevel } from "./byte-level-fast";

// The sped-up byte-level pre-tokenizer must give the library's own ids, for every kind of text a dataset holds,
// in each byte-level configuration: inside a Sequence after a Split (our generated models, Llama 3), and alone
// with its own regex, with and without a prefix space (GPT-2 style).

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "byte-level-fast-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const dir = writeTinyModel({ dir: path.join(tmp, "model"), preset: "tiny", seed: 5 }).dir;
const json = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")) as Record<string, unknown>;
const config = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;

const TEXTS = [
  "",
  " ",
  "Hello, world! What colour is the sky?",
  "  two  spaces\tand a tab\n\nnew lines\r\n",
  "café naïve façade Ünïcödé",
  "東京は晴れです。北京也是。",
  "emoji 🎉🚀 and a flag 🇫🇷 and a family 👨‍👩‍👧",
  "numbers 1234567 3.14159 -42 1e-9",
  "punctuation!!! ??? ... --- ''' \"quoted\" (parens) [brackets] {braces}",
  '{"color": "blue", "nested": {"list": [1, 2, 3]}}',
  "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n",
  "repeat repeat repeat repeat repeat repeat repeat repeat",
  "mixed ASCII and é in one word: résumé, and ASCII after: resume",
  "\u0000 control \u0007 chars \u001b[0m",
  "lone surrogate \ud800 here",
];

const ids = (t: Tokenizer, text: string) => t.encode(text, { add_special_tokens: false }).ids;

function pair(tokenizerJson: Record<string, unknown>): [Tokenizer, Tokenizer] {
  const plain = new Tokenizer(structuredClone(tokenizerJson), config);
  const fast = new Tokenizer(structuredClone(tokenizerJson), config);
  expect(speedUpByteLevel(fast)).toBe(1);
  return [plain, fast];
}

describe("speedUpByteLevel", () => {
  const variants: [string, Record<string, unknown>][] = [
    ["a Split then ByteLevel (use_regex false)", json],
    ["ByteLevel alone with its regex", { ...json, pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true } }],
    ["ByteLevel alone with a prefix space", { ...json, pre_tokenizer: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true } }],
    ["ByteLevel alone, its settings left out", { ...json, pre_tokenizer: { type: "ByteLevel" } }],
  ];
  for (const [name, variant] of variants) {
    it(`gives the library's ids: ${name}`, () => {
      const [plain, fast] = pair(variant);
      // Twice over, so the second pass reads the memo.
      for (const text of [...TEXTS, ...TEXTS]) expect(ids(fast, text), JSON.stringify(text)).toEqual(ids(plain, text));
      // A long, varied text: more distinct words than anything above.
      const long = Array.from({ length: 3000 }, (_, i) => `${TEXTS[i % TEXTS.length]} w${i} ${i * 7919}`).join(" ");
      expect(ids(fast, long)).toEqual(ids(plain, long));
    });
  }

  it("leaves a tokenizer without a byte-level pre-tokenizer, or of another library version, as it is", () => {
    const metaspace = new Tokenizer({ ...structuredClone(json), pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "always", split: true } }, config);
    expect(speedUpByteLevel(metaspace)).toBe(0);
    const other = new Tokenizer(structuredClone(json), config);
    const byteLevel = (other as unknown as { pre_tokenizer: { tokenizers: { pre_tokenize_text: unknown }[] } }).pre_tokenizer.tokenizers[1]!;
    byteLevel.pre_tokenize_text = (text: string) => [text]; // a later version's method, say
    expect(speedUpByteLevel(other)).toBe(0);
  });
});
