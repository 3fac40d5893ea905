import { parseJsonText, parseToolCallsText, parseToolsText, toJsonText } from "@/lib/datasets/edit/tool-calls";
import type { EditorExample } from "@/lib/datasets/edit/example";

// The editor's working copy of an example. Messages are held as form fields (text for content and JSON boxes)
// and turned back into OpenAI messages on save; keys the form does not show (name, refusal…) ride along
// untouched, so editing a message never drops what the user cannot see.

export type Split = "train" | "validation" | "test";
export const ROLES = ["system", "user", "assistant", "tool"] as const;

/** The editor's view of GET …/examples/[exampleId] (type-only import: nothing from lib reaches the bundle). */
export type EditorExampleData = Omit<EditorExample, "datasetId" | "assistantTokens" | "source" | "createdAt">;

export type DraftMessage = {
  /** Stable React key; not saved. */
  key: string;
  role: string;
  /** Plain text, or the JSON of a list of content parts (images…) when `partsJson`. */
  content: string;
  partsJson: boolean;
  /** Content was null (an assistant tool call): an empty box saves as null again. */
  contentWasNull: boolean;
  /** undefined = no weight key (trains, as weight 1). */
  weight: number | undefined;
  toolCallsText: string;
  toolCallId: string;
  rest: Record<string, unknown>;
};

export type MessageGroup = "messages" | "preferred" | "nonPreferred";

export type Draft = {
  messages: DraftMessage[];
  preferred: DraftMessage[];
  nonPreferred: DraftMessage[];
  toolsText: string;
  /** parallel_tool_calls in extra: absent, true or false. */
  parallel: "unset" | "on" | "off";
  split: Split;
  tags: string[];
};

let nextKey = 0;
export const newKey = () => `m${++nextKey}`;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function draftMessage(m: unknown): DraftMessage {
  const r = isRecord(m) ? m : {};
  const { role, content, weight, tool_calls, tool_call_id, ...rest } = r;
  const parts = Array.isArray(content);
  return {
    key: newKey(),
    role: typeof role === "string" ? role : "",
    content: parts ? JSON.stringify(content, null, 2) : typeof content === "string" ? content : content == null ? "" : JSON.stringify(content),
    partsJson: parts,
    contentWasNull: content === null,
    weight: typeof weight === "number" ? weight : undefined,
    toolCallsText: tool_calls === undefined ? "" : toJsonText(tool_calls) || "[]",
    toolCallId: typeof tool_call_id === "string" ? tool_call_id : "",
    rest,
  };
}

export function blankMessage(role: string): DraftMessage {
  return { ...draftMessage({ role, content: "" }), contentWasNull: false };
}

/** The role a new message most likely has: the conversation alternates user → assistant. */
export function nextRole(messages: DraftMessage[]): string {
  const last = messages[messages.length - 1];
  if (!last || last.role === "system") return "user";
  if (last.role === "user" || last.role === "tool") return "assistant";
  if (last.role === "assistant" && last.toolCallsText.trim() !== "" && last.toolCallsText.trim() !== "[]") return "tool";
  return "user";
}

export function draftFrom(example: EditorExampleData): Draft {
  const extra = example.extra ?? {};
  return {
    messages: example.messages.map(draftMessage),
    preferred: (example.preference?.preferred_output ?? []).map(draftMessage),
    nonPreferred: (example.preference?.non_preferred_output ?? []).map(draftMessage),
    toolsText: toJsonText(example.tools),
    parallel: extra.parallel_tool_calls === true ? "on" : extra.parallel_tool_calls === false ? "off" : "unset",
    split: example.split,
    tags: example.tags,
  };
}

/** Problems that would make the draft unsavable (invalid JSON), by field label. */
export type DraftProblems = Record<string, string>;

export function buildMessage(d: DraftMessage, label: string): { message: Record<string, unknown>; problems: DraftProblems } {
  const problems: DraftProblems = {};
  let content: unknown = d.content;
  if (d.partsJson) {
    const parsed = parseJsonText(d.content);
    if (!parsed.ok || !Array.isArray(parsed.value)) problems[`Content of ${label}`] = parsed.ok ? "Content parts must be a JSON array" : parsed.error;
    else content = parsed.value;
  }
  const message: Record<string, unknown> = { role: d.role, content, ...d.rest };
  if (d.role === "assistant") {
    const calls = parseToolCallsText(d.toolCallsText);
    if (!calls.ok) problems[`Tool calls of ${label}`] = calls.error;
    else if (calls.value !== undefined) message.tool_calls = calls.value;
    if (calls.ok && calls.value?.length && d.content === "" && (d.contentWasNull || !d.partsJson)) message.content = null;
    if (d.weight !== undefined) message.weight = d.weight;
  }
  if (d.role === "tool") message.tool_call_id = d.toolCallId;
  return { message, problems };
}

export type BuiltDraft = {
  messages: Record<string, unknown>[];
  preference: { preferred_output: Record<string, unknown>[]; non_preferred_output: Record<string, unknown>[] } | undefined;
  tools: Record<string, unknown>[] | null;
  extra: Record<string, unknown> | null;
  problems: DraftProblems;
};

export function messageLabel(group: MessageGroup, index: number): string {
  const prefix = group === "preferred" ? "preferred message" : group === "nonPreferred" ? "non-preferred message" : "message";
  return `${prefix} ${index + 1}`;
}

function buildList(list: DraftMessage[], group: MessageGroup, problems: DraftProblems) {
  return list.map((d, i) => {
    const built = buildMessage(d, messageLabel(group, i));
    Object.assign(problems, built.problems);
    return built.message;
  });
}

export function buildDraft(draft: Draft, example: Pick<EditorExampleData, "kind" | "extra">): BuiltDraft {
  const problems: DraftProblems = {};
  const messages = buildList(draft.messages, "messages", problems);
  const preference =
    example.kind === "preference"
      ? { preferred_output: buildList(draft.preferred, "preferred", problems), non_preferred_output: buildList(draft.nonPreferred, "nonPreferred", problems) }
      : undefined;
  const tools = parseToolsText(draft.toolsText);
  if (!tools.ok) problems.Tools = tools.error;
  const extra: Record<string, unknown> = { ...(example.extra ?? {}) };
  delete extra.parallel_tool_calls;
  if (draft.parallel !== "unset") extra.parallel_tool_calls = draft.parallel === "on";
  return {
    messages,
    preference,
    tools: tools.ok ? tools.value : null,
    extra: Object.keys(extra).length > 0 ? extra : null,
    problems,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Only the fields that differ from the saved example; an empty object means nothing to save. */
export function patchFrom(draft: Draft, example: EditorExampleData): { patch: Record<string, unknown>; problems: DraftProblems } {
  const built = buildDraft(draft, example);
  const base = buildDraft(draftFrom(example), example);
  const patch: Record<string, unknown> = {};
  if (!same(built.messages, base.messages)) patch.messages = built.messages;
  if (built.preference && !same(built.preference, base.preference)) patch.preference = built.preference;
  if (!same(built.tools, base.tools)) patch.tools = built.tools;
  if (!same(built.extra, base.extra)) patch.extra = built.extra;
  if (draft.split !== example.split) patch.split = draft.split;
  if (!same(draft.tags, example.tags)) patch.tags = draft.tags;
  return { patch, problems: built.problems };
}

/** "messages[1].content" → "message 2 · content": the validator counts from 0, the editor's cards from 1. */
export function readablePath(path: string): string {
  return path
    .replace(/^input\./, "")
    .replace(/(non_preferred_output|preferred_output|messages)\[(\d+)\]/g, (_, list: string, i: string) => {
      const name = list === "messages" ? "message" : list === "preferred_output" ? "preferred message" : "non-preferred message";
      return `${name} ${Number(i) + 1}`;
    })
    .replace(/\./g, " · ");
}
