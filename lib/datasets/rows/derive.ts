import { exampleContentHash } from "../content-hash";

// The columns of an Example that are derived from its messages. Every writer (import, editor, seed, bulk
// restore) goes through exampleDerivedColumns so the table's preview, search and message count never drift
// from the messages they describe.

export const PREVIEW_CHARS = 500;

export type StoredContent = {
  kind: "chat" | "preference";
  messages: unknown;
  tools?: unknown;
  preference?: unknown;
};

export type DerivedColumns = {
  contentHash: string;
  messageCount: number;
  promptPreview: string;
  replyPreview: string;
  searchText: string;
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Readable text of a message's content: strings as-is, text parts joined, images as "[image]". */
export function contentToText(content: unknown): string {
  if (typeof content === "string") return content;
  if (content == null) return "";
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (!isRecord(part)) return "";
        if (typeof part.text === "string") return part.text;
        if (part.type === "image_url") return "[image]";
        return "";
      })
      .filter(Boolean)
      .join(" ");
  }
  return JSON.stringify(content);
}

/** Content, or for an assistant tool call `name(arguments)`, so replies that only call tools still preview. */
export function messageToText(message: unknown): string {
  if (!isRecord(message)) return "";
  const text = contentToText(message.content);
  const calls = Array.isArray(message.tool_calls)
    ? message.tool_calls
        .map((c) => (isRecord(c) && isRecord(c.function) ? `${String(c.function.name)}(${String(c.function.arguments ?? "")})` : ""))
        .filter(Boolean)
        .join(" ")
    : "";
  return [text, calls].filter(Boolean).join(" ");
}

function cut(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > PREVIEW_CHARS ? `${oneLine.slice(0, PREVIEW_CHARS - 1)}…` : oneLine;
}

/** Postgres text columns cannot hold NUL; search text drops it (the messages JSON keeps the original). */
function searchable(text: string): string {
  return text.replace(/\u0000/g, "");
}

export function exampleDerivedColumns(example: StoredContent): DerivedColumns {
  const messages = Array.isArray(example.messages) ? example.messages : [];
  const firstUser = messages.find((m) => isRecord(m) && m.role === "user");
  // DPO: the reply shown is the preferred output; chat: the last assistant message.
  const preferred = isRecord(example.preference) && Array.isArray(example.preference.preferred_output) ? example.preference.preferred_output : null;
  const replies = (preferred ?? messages).filter((m) => isRecord(m) && m.role === "assistant");
  const reply = replies[replies.length - 1];
  const allMessages = [...messages, ...(preferred ?? []), ...(isRecord(example.preference) && Array.isArray(example.preference.non_preferred_output) ? example.preference.non_preferred_output : [])];
  return {
    contentHash: exampleContentHash({ messages: example.messages, tools: example.tools, preference: example.preference }),
    messageCount: messages.length,
    promptPreview: searchable(cut(firstUser ? messageToText(firstUser) : "")),
    replyPreview: searchable(cut(reply ? messageToText(reply) : "")),
    searchText: searchable(allMessages.map(messageToText).join("\n")),
  };
}
