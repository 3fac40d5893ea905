"use client";

import { parseCalls } from "@/lib/eval/tool-calls";
import { splitReasoning, thinkingSummary } from "@/lib/reasoning";
import { formatUsd } from "../ui/format";
import type { HostedCall } from "@/lib/playground/channel";
import type { Column } from "./chat-state";
import styles from "./playground.module.css";

/** A reply's cost: a typical one costs a fraction of a cent, shown to the hundredth of a cent. */
const costText = (usd: number): string => (usd < 0.0001 ? "< $0.0001" : formatUsd(usd));

function Stats({ ttft, tps, tokens, finishReason, backend, costUsd }: { ttft: number | null; tps: number | null; tokens: number; finishReason: string; backend?: string; costUsd?: number | null }) {
  const parts = [
    ttft !== null ? `first token ${Math.round(ttft)} ms` : null,
    tps !== null ? `${tps >= 100 ? Math.round(tps) : tps.toFixed(1)} tokens/s` : null,
    tokens ? `${tokens} tokens` : null,
    finishReason === "length" ? "hit max tokens" : finishReason === "stopped" || finishReason === "cancelled" ? "stopped" : null,
    backend === "openai" ? "via OpenAI" : backend ? `on the ${backend === "cpu" ? "CPU" : "GPU"}` : null,
    typeof costUsd === "number" ? costText(costUsd) : null,
  ].filter(Boolean);
  return parts.length ? <span className={styles.stats} data-testid="reply-stats">{parts.join(" · ")}</span> : null;
}

/** Why a reply ran where it did (the CPU while a training run holds the GPU): the user sees why it is slow. */
function Note({ text }: { text: string }) {
  return (
    <span className={styles.note} data-testid="reply-note">
      {text}
    </span>
  );
}

/**
 * A finished reply: a reasoning model's thinking (Qwen3 and the like write it first, in a think block) folded away
 * above the answer. An empty think block (Qwen3 without thinking, or a model tuned on such replies) shows nothing.
 */
function Reply({ content, toolCalls }: { content: string; toolCalls?: HostedCall[] }) {
  const split = splitReasoning(content);
  const { reasoning, answer, unfinished } = split;
  const summary = thinkingSummary(split);
  // A hosted reply's calls come apart from its text (a call-only reply has none); a local model writes them in it.
  const calls = toolCalls ? toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })) : parseCalls(answer);
  return (
    <>
      {summary !== null ? (
        <details className={styles.reasoning} data-testid="reply-reasoning">
          <summary>{summary}</summary>
          <span className={styles.reasoningText}>{reasoning}</span>
        </details>
      ) : null}
      {answer || !toolCalls ? <span data-testid="reply">{answer || (unfinished ? "(no answer yet: raise max tokens)" : "(empty reply)")}</span> : null}
      <Calls calls={calls} />
    </>
  );
}

/** The tool calls a reply made (a local model's read in its family's format, as evaluations read them), one per line. */
function Calls({ calls }: { calls: { name: string; arguments: unknown }[] }) {
  if (calls.length === 0) return null;
  return (
    <div className={styles.calls}>
      <span className={styles.role}>Tool calls</span>
      <ul data-testid="reply-calls" aria-label="Tool calls">
        {calls.map((c, i) => (
          <li key={i} className="mono">
            {c.name}({typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments)})
          </li>
        ))}
      </ul>
    </div>
  );
}

/** "Tool result", naming the function of the hosted call it answers. */
function toolResultLabel(column: Column, toolCallId: string | undefined): string {
  const call = toolCallId ? column.turns.flatMap((t) => t.toolCalls ?? []).find((c) => c.id === toolCallId) : undefined;
  return call ? `Tool result · ${call.name}` : "Tool result";
}

/** One side of the comparison: its own turns, and the reply streaming in. */
export function ChatColumn({ side, title, subtitle, column }: { side: "base" | "tuned"; title: string; subtitle: string; column: Column }) {
  const state = column.live ? column.live.state : column.turns.length ? "done" : "idle";
  return (
    <section className={`card ${styles.column}`} aria-labelledby={`col-${side}`} data-testid={`column-${side}`} data-state={state}>
      <div className={`card-body ${styles.column}`}>
        <div className={styles.columnHead}>
          <h2 id={`col-${side}`}>{title}</h2>
          <span className="muted mono">{subtitle}</span>
        </div>
        {column.turns.length === 0 && !column.live ? <p className="muted">Ask something below; the reply streams here.</p> : null}
        <ol className={styles.turns} aria-live="polite">
          {column.turns.map((t, i) => (
            <li key={i} className={`${styles.turn} ${t.role === "assistant" ? styles.assistant : styles.user}`} data-role={t.role}>
              <span className={styles.role}>{t.role === "user" ? "You" : t.role === "tool" ? toolResultLabel(column, t.toolCallId) : title}</span>
              {t.error ? (
                <span className="field-error" role="alert">{t.error}</span>
              ) : t.role === "assistant" ? (
                <Reply content={t.content} toolCalls={t.toolCalls} />
              ) : (
                <span>{t.content || "(empty reply)"}</span>
              )}
              {t.stats ? <Stats ttft={t.stats.timeToFirstTokenMs} tps={t.stats.tokensPerSecond} tokens={t.stats.tokens} finishReason={t.stats.finishReason} backend={t.stats.backend} costUsd={t.stats.costUsd} /> : null}
              {t.note ? <Note text={t.note} /> : null}
            </li>
          ))}
          {column.live ? (
            <li className={`${styles.turn} ${styles.assistant}`} data-role="assistant" aria-busy="true">
              <span className={styles.role}>{title}</span>
              {column.live.state === "waiting" ? (
                <span className="muted">Waiting for the worker…</span>
              ) : (
                <span className={styles.cursor} data-testid="live-reply">{column.live.text}</span>
              )}
              {column.live.note ? <Note text={column.live.note} /> : null}
            </li>
          ) : null}
        </ol>
      </div>
    </section>
  );
}
