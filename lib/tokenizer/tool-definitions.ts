import { z } from "zod";

// Tool definitions as OpenAI's chat API takes them ({type: "function", function: {name, description?, parameters?}}),
// given to a model's chat template as it saw them in training on lines with "tools". Shared by the playground's
// request check (server), its Tools field (browser), the queue contract and `tuneforge generate --tools`, so all say
// the same thing. No Node imports: the browser bundles it.

export const toolDefinitionSchema = z
  .object({
    type: z.literal("function", { error: 'must be "function"' }),
    function: z
      .object({
        name: z.string({ error: "must be a string" }).regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1–64 letters, digits, _ or -"),
        description: z.string().optional(),
        parameters: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
  })
  .loose();

export const toolsSchema = z.array(toolDefinitionSchema).max(128, "at most 128 tools");
export type ToolDefinition = z.infer<typeof toolDefinitionSchema>;

/** A Tools field's or --tools' text: empty = no tools; else a JSON array of definitions (or one definition), or why not. */
export function parseToolsText(text: string): { ok: true; tools: ToolDefinition[] } | { ok: false; message: string } {
  if (text.trim() === "") return { ok: true, tools: [] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `Not valid JSON: ${(err as Error).message}` };
  }
  const parsed = toolsSchema.safeParse(Array.isArray(value) ? value : [value]);
  if (parsed.success) return { ok: true, tools: parsed.data };
  const issue = parsed.error.issues[0]!;
  const where = `tools${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("")}`;
  return { ok: false, message: `${where}: ${issue.message}` };
}
