import type { HostedCall } from "@/lib/playground/channel";
import type { PlaygroundRequest } from "@/lib/playground/request";

// Each column of the playground keeps its own conversation: the base model's replies are never shown to
// the fine-tuned model or the other way round, so each side answers its own history on the next turn.

/** costUsd: a hosted reply's cost (null: no price for its model in the table). */
export type ReplyStats = { timeToFirstTokenMs: number | null; tokensPerSecond: number | null; tokens: number; finishReason: string; backend?: string; costUsd?: number | null };
/** `note`: why the reply ran somewhere unusual (the worker's start message), e.g. the CPU while a run trains on the GPU. */
/**
 * role "tool": a tool's result the user typed after a reply that called it. toolCalls: a hosted reply's calls (with the
 * API's ids); toolCallId: the call a tool result answers (hosted replies only: a local model's calls are in its text).
 */
export type Turn = { role: "user" | "assistant" | "tool"; content: string; stats?: ReplyStats; error?: string; note?: string; toolCalls?: HostedCall[]; toolCallId?: string };
export type SentRole = "user" | "tool";
export type LiveReply = { text: string; state: "waiting" | "streaming"; sentAt: number; firstAt: number | null; note?: string };
export type Column = { turns: Turn[]; live: LiveReply | null };
export type Side = "base" | "tuned";
export type Chat = Record<Side, Column>;

export const EMPTY_CHAT: Chat = { base: { turns: [], live: null }, tuned: { turns: [], live: null } };

export type ChatAction =
  | { type: "send"; side: Side; text: string; at: number; role?: SentRole; toolCallId?: string }
  /** A tool result that asks for no reply yet: the reply before it made more calls, still unanswered. */
  | { type: "append"; side: Side; text: string; toolCallId: string }
  /** The worker took the request; `note` when it runs somewhere unusual. */
  | { type: "start"; side: Side; note?: string }
  | { type: "token"; side: Side; text: string; at: number }
  | { type: "done"; side: Side; stats: Omit<ReplyStats, "timeToFirstTokenMs">; toolCalls?: HostedCall[] }
  | { type: "error"; side: Side; message: string }
  /** The stream ended without done/error (Stop, or the connection dropped): keep what arrived. */
  | { type: "ended"; side: Side }
  | { type: "clear" };

function finish(col: Column, turn: Omit<Turn, "role" | "content">): Column {
  const live = col.live;
  if (!live) return col;
  return { turns: [...col.turns, { role: "assistant", content: live.text, ...(live.note ? { note: live.note } : {}), ...turn }], live: null };
}

export function chatReducer(chat: Chat, a: ChatAction): Chat {
  if (a.type === "clear") return EMPTY_CHAT;
  const col = chat[a.side];
  let next: Column = col;
  switch (a.type) {
    case "send":
      next = {
        turns: [...col.turns, { role: a.role ?? "user", content: a.text, ...(a.toolCallId ? { toolCallId: a.toolCallId } : {}) }],
        live: { text: "", state: "waiting", sentAt: a.at, firstAt: null },
      };
      break;
    case "append":
      if (col.live) return chat;
      next = { ...col, turns: [...col.turns, { role: "tool", content: a.text, toolCallId: a.toolCallId }] };
      break;
    case "start":
      if (!col.live || !a.note) return chat;
      next = { ...col, live: { ...col.live, note: a.note } };
      break;
    case "token":
      if (!col.live) return chat;
      next = { ...col, live: { ...col.live, text: col.live.text + a.text, state: "streaming", firstAt: col.live.firstAt ?? a.at } };
      break;
    case "done": {
      const live = col.live;
      if (!live) return chat;
      // Time to first token as the user felt it: from Send to the first text on screen (queueing included).
      next = finish(col, { stats: { ...a.stats, timeToFirstTokenMs: live.firstAt === null ? null : live.firstAt - live.sentAt }, ...(a.toolCalls?.length ? { toolCalls: a.toolCalls } : {}) });
      break;
    }
    case "error":
      next = finish(col, { error: a.message });
      break;
    case "ended":
      next = finish(col, { stats: { timeToFirstTokenMs: col.live?.firstAt != null ? col.live.firstAt - col.live.sentAt : null, tokensPerSecond: null, tokens: 0, finishReason: "stopped" } });
      break;
  }
  return { ...chat, [a.side]: next };
}

/** The calls of the side's last reply that no tool result answers yet, in the order it made them. */
export function unansweredCalls(col: Column): HostedCall[] {
  const last = col.turns.findLastIndex((t) => t.role === "assistant" && !t.error);
  const calls = last >= 0 ? (col.turns[last]!.toolCalls ?? []) : [];
  const answered = new Set(col.turns.slice(last + 1).map((t) => t.toolCallId));
  return calls.filter((c) => !answered.has(c.id));
}

type SentMessage = PlaygroundRequest["messages"][number];

const withCallFields = (t: Turn): SentMessage => ({
  role: t.role,
  content: t.content,
  ...(t.toolCalls ? { tool_calls: t.toolCalls.map((c) => ({ id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } })) } : {}),
  ...(t.toolCallId ? { tool_call_id: t.toolCallId } : {}),
});

/**
 * The messages a side sends for its next reply: system prompt, its own finished turns, the new question (or tool
 * result, answering `toolCallId` when a hosted reply's call has one).
 */
export function messagesFor(col: Column, system: string, question: string, role: SentRole = "user", toolCallId?: string): SentMessage[] {
  // A question whose reply failed is left out with the failure, so the model never sees two questions in a row.
  const history = col.turns.filter((t, i) => !t.error && !col.turns[i + 1]?.error).map(withCallFields);
  return [...(system.trim() ? [{ role: "system" as const, content: system }] : []), ...history, { role, content: question, ...(toolCallId ? { tool_call_id: toolCallId } : {}) }];
}
