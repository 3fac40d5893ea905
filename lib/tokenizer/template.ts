import fs from "node:fs";
import path from "node:path";

// Which chat template a model folder uses. Newer transformers write chat_template.jinja next to
// tokenizer_config.json and prefer it; older folders keep the template in tokenizer_config.json, either as a
// string or as a list of named templates ({name, template}) where "default" is the normal one and
// "tool_use" is meant for requests that carry tools. Image-text models (Gemma 3 from 4B up) may keep it only in
// their processor's chat_template.json ({"chat_template": "..."}), which is read last.

export type TemplateSource = { text: string; origin: string };

type NamedTemplate = { name?: unknown; template?: unknown };

export function chooseChatTemplate(modelDir: string, config: Record<string, unknown>, opts: { tools?: boolean } = {}): TemplateSource {
  const jinjaFile = path.join(modelDir, "chat_template.jinja");
  if (fs.existsSync(jinjaFile)) return { text: fs.readFileSync(jinjaFile, "utf8"), origin: jinjaFile };
  const configFile = path.join(modelDir, "tokenizer_config.json");
  const raw = config.chat_template;
  if (typeof raw === "string") return { text: raw, origin: `${configFile} (chat_template)` };
  if (Array.isArray(raw)) {
    const named = raw as NamedTemplate[];
    const pick = (name: string) => named.find((t) => t?.name === name && typeof t.template === "string");
    const chosen = (opts.tools ? pick("tool_use") : undefined) ?? pick("default");
    if (chosen) return { text: chosen.template as string, origin: `${configFile} (chat_template "${chosen.name as string}")` };
    const names = named.map((t) => JSON.stringify(t?.name)).join(", ");
    throw new Error(`${configFile}: chat_template is a list (${names}) without a "default" template; add one or a chat_template.jinja file`);
  }
  const processorFile = path.join(modelDir, "chat_template.json");
  if (fs.existsSync(processorFile)) {
    let processor: unknown;
    try {
      processor = JSON.parse(fs.readFileSync(processorFile, "utf8"));
    } catch (err) {
      throw new Error(`${processorFile} is not valid JSON: ${(err as Error).message}`);
    }
    const text = (processor as { chat_template?: unknown } | null)?.chat_template;
    if (typeof text === "string") return { text, origin: `${processorFile} (chat_template)` };
  }
  throw new Error(
    `${modelDir} has no chat template: add chat_template.jinja or a "chat_template" string to tokenizer_config.json ` +
      "(base models without one cannot render chat data; use an instruct model's template)",
  );
}

/** tokenizer_config.json writes special tokens as strings or as AddedToken objects ({content: ...}). */
export function tokenString(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as { content?: unknown }).content === "string") return (value as { content: string }).content;
  return undefined;
}
