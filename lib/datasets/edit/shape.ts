import { z } from "zod";

// The SHAPE an edited example must keep to stay storable and exportable. These checks are loose on purpose:
// OpenAI's rules (roles, empty content, tool call ids, weights…) belong to the validator, whose findings are
// shown on the row after the save. Only input that could not be stored as an example is refused here, with
// a message naming the field.

export const SPLITS = ["train", "validation", "test"] as const;
export type SplitName = (typeof SPLITS)[number];

const jsonObject = z.record(z.string(), z.unknown());

const contentPart = z.record(z.string(), z.unknown(), { error: "each content part must be an object like {\"type\": \"text\", \"text\": \"…\"}" });

export const messageShape = z.looseObject({
  role: z.string({ error: "role must be a string (system, user, assistant or tool)" }),
  content: z
    .union([z.string(), z.null(), z.array(contentPart)], { error: "content must be text, null or a list of content parts" })
    .optional(),
  tool_calls: z
    .array(jsonObject, { error: "tool_calls must be a JSON array of calls like [{\"id\": \"call_1\", \"type\": \"function\", \"function\": {…}}]" })
    .optional(),
  tool_call_id: z.string({ error: "tool_call_id must be a string" }).optional(),
  name: z.string({ error: "name must be a string" }).optional(),
  weight: z.number({ error: "weight must be 0 or 1" }).optional(),
});

export type MessageShape = z.infer<typeof messageShape>;

const messageList = (what: string) =>
  z.array(messageShape, { error: `${what} must be a list of messages` }).max(5_000, { error: `${what} may hold at most 5,000 messages` });

export const tagsShape = z
  .array(z.string({ error: "each tag must be text" }).max(100, { error: "a tag may be at most 100 characters" }), { error: "tags must be a list of strings" })
  .max(200, { error: "an example may have at most 200 tags" });

/** The fields an editor save may change; absent fields are left as they are. */
export const examplePatchShape = z.strictObject({
  messages: messageList("messages").optional(),
  tools: z.array(jsonObject, { error: "tools must be a JSON array of tool definitions, or null for none" }).nullable().optional(),
  extra: jsonObject
    .refine((e) => !("messages" in e) && !("tools" in e) && !("input" in e), { error: "extra may not hold messages, tools or input; edit those fields directly" })
    .nullable()
    .optional(),
  preference: z
    .strictObject({ preferred_output: messageList("preferred_output"), non_preferred_output: messageList("non_preferred_output") })
    .optional(),
  split: z.enum(SPLITS, { error: "split must be train, validation or test" }).optional(),
  tags: tagsShape.optional(),
});

export type ExamplePatch = z.infer<typeof examplePatchShape>;

/** Trimmed, non-empty, each once, in the order given. */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Set<string>();
  for (const tag of tags) {
    const t = tag.trim();
    if (t) seen.add(t);
  }
  return [...seen];
}
