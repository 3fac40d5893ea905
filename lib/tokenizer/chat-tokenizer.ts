import fs from "node:fs";
import path from "node:path";
import { Template } from "@huggingface/jinja";
import { Tokenizer } from "@huggingface/tokenizers";
import { speedUpByteLevel } from "./byte-level-fast";
import { withArgumentObjects } from "./call-arguments";
import { templateWantsNineCharIds, withNineCharCallIds } from "./call-ids";
import { callsIntoContent, templateTakesCallsInContent } from "./pythonic-calls";
import { chooseChatTemplate, tokenString } from "./template";

// A model folder's tokenizer and chat template, loaded once: renders conversations exactly the way the
// model was trained to see them and tokenizes without adding special tokens (the template already writes
// them), as transformers' apply_chat_template(tokenize=True) does.

export type ChatMessage = { role: string; content: string; [key: string]: unknown };
/** `variables`: more template variables, as apply_chat_template's keyword arguments (Qwen3's enable_thinking). */
export type RenderOptions = { addGenerationPrompt: boolean; tools?: unknown[]; variables?: Record<string, unknown> };

export type ChatTokenizer = {
  modelDir: string;
  bosToken?: string;
  eosToken?: string;
  /** Ids that end a reply: the eos token plus the turn-end tokens the template family uses. */
  stopTokenIds: number[];
  templateOrigin: string;
  render(messages: ChatMessage[], opts: RenderOptions): string;
  encode(text: string): number[];
  decode(ids: number[]): string;
  tokenId(token: string): number | undefined;
};

function readJson(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`${file} is missing: a model folder needs tokenizer.json and tokenizer_config.json next to config.json`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${(err as Error).message}`);
  }
}

const TURN_END_TOKENS = ["<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|endoftext|>", "</s>", "<end_of_turn>", "<|end|>"];

export function loadChatTokenizer(modelDir: string): ChatTokenizer {
  const tokenizerJson = readJson(path.join(modelDir, "tokenizer.json"));
  const config = readJson(path.join(modelDir, "tokenizer_config.json"));
  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(tokenizerJson, config);
  } catch (err) {
    throw new Error(`${path.join(modelDir, "tokenizer.json")} could not be loaded: ${(err as Error).message}`);
  }
  speedUpByteLevel(tokenizer);
  const bosToken = tokenString(config.bos_token);
  const eosToken = tokenString(config.eos_token);
  // callsInContent: the template writes no tool_calls and the tokenizer has LFM2's call tokens (pythonic-calls.ts).
  // nineCharIds: the template checks call ids for Mistral's 9 characters (call-ids.ts).
  const templates = new Map<boolean, { template: Template; origin: string; callsInContent: boolean; nineCharIds: boolean }>();
  const hasToken = (token: string) => tokenizer.token_to_id(token) !== undefined;
  const templateFor = (tools: boolean) => {
    let t = templates.get(tools);
    if (!t) {
      const source = chooseChatTemplate(modelDir, config, { tools });
      try {
        t = {
          template: new Template(source.text),
          origin: source.origin,
          callsInContent: templateTakesCallsInContent(source.text, hasToken),
          nineCharIds: templateWantsNineCharIds(source.text),
        };
      } catch (err) {
        throw new Error(`${source.origin}: the chat template does not parse: ${(err as Error).message}`);
      }
      templates.set(tools, t);
    }
    return t;
  };
  const stop = new Set<number>();
  for (const name of [eosToken, ...TURN_END_TOKENS]) {
    const id = name === undefined ? undefined : tokenizer.token_to_id(name);
    if (id !== undefined) stop.add(id);
  }
  return {
    modelDir,
    bosToken,
    eosToken,
    stopTokenIds: [...stop],
    get templateOrigin() {
      return templateFor(false).origin;
    },
    render(messages, opts) {
      const tools = opts.tools && opts.tools.length > 0 ? opts.tools : undefined;
      const { template, origin, callsInContent, nineCharIds } = templateFor(Boolean(tools));
      // Calls' arguments as objects, as templates take them (call-arguments.ts); ids as Mistral's templates check them
      // (call-ids.ts); LFM2's calls go into the reply's text (pythonic-calls.ts).
      const withObjects = withArgumentObjects(messages);
      const withIds = nineCharIds ? withNineCharCallIds(withObjects) : withObjects;
      const shown = callsInContent ? callsIntoContent(withIds, origin) : withIds;
      try {
        return template.render({
          ...opts.variables,
          messages: shown,
          add_generation_prompt: opts.addGenerationPrompt,
          bos_token: bosToken ?? "",
          eos_token: eosToken ?? "",
          ...(tools ? { tools } : {}),
        });
      } catch (err) {
        throw new Error(`${origin}: rendering the chat template failed: ${(err as Error).message}`);
      }
    },
    encode: (text) => tokenizer.encode(text, { add_special_tokens: false }).ids,
    // A reply can be empty (EOS as its first token); the library refuses an empty array instead of answering "".
    decode: (ids) => (ids.length === 0 ? "" : tokenizer.decode(ids, { skip_special_tokens: false })),
    tokenId: (token) => tokenizer.token_to_id(token),
  };
}
