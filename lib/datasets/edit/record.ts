import type { ConvertedRecord } from "../formats";

// The editor edits stored columns (messages, tools, extra, preference); the shared row builder takes a
// ConvertedRecord. This is the bridge between the two.

export type EditableContent = {
  kind: "chat" | "preference";
  messages: unknown[];
  tools: unknown;
  extra: unknown;
  preference: unknown;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function convertedFromContent(c: EditableContent): ConvertedRecord {
  const tools = c.tools == null ? {} : { tools: c.tools };
  if (c.kind === "chat") {
    const extra = isRecord(c.extra) ? c.extra : {};
    return { kind: "chat", example: { ...extra, messages: c.messages, ...tools } };
  }
  const pref = isRecord(c.preference) ? c.preference : {};
  return {
    kind: "preference",
    example: {
      input: { messages: c.messages, ...tools },
      preferred_output: Array.isArray(pref.preferred_output) ? pref.preferred_output : [],
      non_preferred_output: Array.isArray(pref.non_preferred_output) ? pref.non_preferred_output : [],
    },
  };
}
