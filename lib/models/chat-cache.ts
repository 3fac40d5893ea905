import fs from "node:fs";
import path from "node:path";
import { loadChatTokenizer, type ChatTokenizer } from "../tokenizer/chat-tokenizer";

// A real tokenizer.json is several MB of JSON; parsing it on every preview or estimate request would cost
// more than the tokenization itself. A few recently used models stay loaded, keyed by folder and file mtimes
// so replacing a model's files is picked up without a restart.

const MAX_LOADED = 4;
const loaded = new Map<string, ChatTokenizer>();

function mtime(file: string): number {
  try {
    return fs.statSync(/*turbopackIgnore: true*/ file).mtimeMs;
  } catch {
    return 0;
  }
}

export function chatTokenizerFor(modelDir: string): ChatTokenizer {
  const files = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja"].map((f) => mtime(path.join(/*turbopackIgnore: true*/ modelDir, f)));
  const key = `${modelDir}\0${files.join(",")}`;
  const hit = loaded.get(key);
  if (hit) {
    // Re-insert: Map order is the eviction order (least recently used first).
    loaded.delete(key);
    loaded.set(key, hit);
    return hit;
  }
  const chat = loadChatTokenizer(modelDir);
  for (const k of loaded.keys()) if (k.startsWith(`${modelDir}\0`)) loaded.delete(k);
  loaded.set(key, chat);
  while (loaded.size > MAX_LOADED) loaded.delete(loaded.keys().next().value as string);
  return chat;
}
