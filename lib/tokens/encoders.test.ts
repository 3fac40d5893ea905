import { describe, expect, it } from "vitest";
import { countTextTokens, encoderFor, type EncodingName } from "./encoders";
import { mulberry32 } from "../random/mulberry32";

// countTextTokens sums cached per-piece counts; it must equal encoding the whole text, on any input.

const ALPHABET = [
  "a", "B", "z", "é", "ß", "Ω", "я", "中", "文", "😀", "👋🏽", " ", "  ", "\\n", "\n", "\r\n", "\t", "'s", "'LL", "’", "0", "42", "1234",
  ".", ",", "!?", "...", "-", "_", "#", "<|endoftext|>", "<|im_start|>", "<|fim_prefix|>", "{\"k\":", "}", "http://x.y/z", "don't", "I'M", "\u00a0", "\u200b",
];

function randomText(rand: () => number, pieces: number): string {
  let s = "";
  for (let i = 0; i < pieces; i++) s += ALPHABET[Math.floor(rand() * ALPHABET.length)];
  return s;
}


describe("countTextTokens", () => {
  for (const encoding of ["o200k_base", "cl100k_base"] as EncodingName[]) {
    it(`equals the full ${encoding} encoding on random mixed text, short and long`, () => {
      const rand = mulberry32(encoding === "o200k_base" ? 7 : 11);
      const encoder = encoderFor(encoding);
      for (let i = 0; i < 600; i++) {
        const text = randomText(rand, i < 500 ? 1 + Math.floor(rand() * 40) : 600 + Math.floor(rand() * 800));
        // Twice: the second call is served from the caches.
        const expected = encoder.encode(text, [], []).length;
        expect(countTextTokens(text, encoding), JSON.stringify(text)).toBe(expected);
        expect(countTextTokens(text, encoding), JSON.stringify(text)).toBe(expected);
      }
    });
  }

  it("treats special-token strings as text and counts the empty string as 0", () => {
    expect(countTextTokens("", "o200k_base")).toBe(0);
    expect(countTextTokens("a <|endoftext|> b", "o200k_base")).toBe(encoderFor("o200k_base").encode("a <|endoftext|> b", [], []).length);
  });
});
