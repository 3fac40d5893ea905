import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { GenerateOptions, GenerateResult, NativeModel } from "../../native/index";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer } from "./chat-tokenizer";
import { generateText } from "./generate";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "generate-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const chat = loadChatTokenizer(writeTinyModel({ dir: path.join(tmp, "m") }).dir);
const EOS = chat.tokenId("<|im_end|>")!;

/** A stand-in for the native model: streams scripted tokens asynchronously (as the addon does) and honours cancel(). */
function scripted(streams: number[][]): NativeModel & { cancels: number; seen?: GenerateOptions } {
  let cancelled = false;
  const fake = {
    cancels: 0,
    seen: undefined as GenerateOptions | undefined,
    info: () => ({ eosTokenIds: [EOS] }),
    cancel() {
      fake.cancels++;
      cancelled = true;
      return true;
    },
    async generate(_prompts: number[][], options: GenerateOptions, onToken: (i: number, t: number) => void): Promise<GenerateResult[]> {
      fake.seen = options;
      const out: GenerateResult[] = streams.map(() => ({ tokens: [], finishReason: "length" }));
      const done = streams.map(() => false);
      for (let step = 0; step < Math.max(...streams.map((s) => s.length)); step++) {
        await new Promise((r) => setImmediate(r));
        if (cancelled) return out.map((r, i) => (done[i] ? r : { ...r, finishReason: "cancelled" }));
        streams.forEach((s, i) => {
          if (done[i] || step >= s.length) return;
          out[i]!.tokens.push(s[step]!);
          onToken(i, s[step]!);
          if (options.stopTokenIds?.includes(s[step]!)) (done[i] = true), (out[i]!.finishReason = "stop");
        });
      }
      return out;
    },
  };
  return fake as unknown as NativeModel & { cancels: number; seen?: GenerateOptions };
}

describe("generateText", () => {
  it("passes the eos and template stop tokens, and drops the stop token from the text", async () => {
    const model = scripted([[...chat.encode("Paris."), EOS]]);
    const [r] = await generateText(model, chat, [[1]], { maxTokens: 20 });
    expect(model.seen?.stopTokenIds).toContain(EOS);
    expect(r).toEqual({ text: "Paris.", tokens: chat.encode("Paris."), finishReason: "stop" });
  });

  it("ends each prompt at its stop string and cancels once all have stopped", async () => {
    const a = chat.encode('{"color": "red"}\nEND and more text that should never be generated or shown');
    const b = chat.encode("blue\nEND");
    const model = scripted([a, b]);
    const streamed: string[] = ["", ""];
    const results = await generateText(model, chat, [[1], [2]], { stopStrings: ["\nEND"], onText: (i, t) => (streamed[i] += t) });
    expect(results.map((r) => r.text)).toEqual(['{"color": "red"}', "blue"]);
    expect(results.map((r) => r.finishReason)).toEqual(["stop", "stop"]);
    expect(streamed).toEqual(['{"color": "red"}', "blue"]);
    expect(model.cancels).toBe(1);
  });

  it("reports length when neither a stop token nor a stop string came", async () => {
    const model = scripted([chat.encode("abc")]);
    const [r] = await generateText(model, chat, [[1]], { stopStrings: ["zzz"] });
    expect(r).toMatchObject({ text: "abc", finishReason: "length" });
  });
});
