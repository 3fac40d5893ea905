"use client";

import { useId, useState } from "react";
import { Button } from "@/components/ui/Button";
import { formatInt } from "@/components/ui/format";
import { ROLES, type DraftMessage } from "./draft";
import styles from "./editor.module.css";
import { JsonField } from "./JsonField";

const TOOL_CALLS_PLACEHOLDER = '[{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]';

type Props = {
  message: DraftMessage;
  /** "message 2", "preferred message 1"… used in every accessible name. */
  label: string;
  isFirst: boolean;
  isLast: boolean;
  tokens: number | undefined;
  problems: Record<string, string>;
  /** DPO outputs are compared whole; per-message training weight applies to supervised chat only. */
  showWeight: boolean;
  onChange: (next: DraftMessage) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
};

/** One message: role, content, and for assistant / tool messages the fields only they take. */
export function MessageCard({ message, label, isFirst, isLast, tokens, problems, showWeight, onChange, onMove, onRemove }: Props) {
  const id = useId();
  // Most replies make no tool calls: the JSON box opens on demand instead of taking room on every card.
  const [showCalls, setShowCalls] = useState(message.toolCallsText.trim() !== "");
  const set = (patch: Partial<DraftMessage>) => onChange({ ...message, ...patch });
  const roles: readonly string[] = ROLES.includes(message.role as (typeof ROLES)[number]) ? ROLES : [...ROLES, message.role];
  const contentProblem = problems[`Content of ${label}`];
  const roleClass = styles[`role-${message.role}`] ?? "";
  return (
    <li className={`${styles.card} ${roleClass}`} aria-label={capitalize(label)}>
      <div className={styles.cardHead}>
        <select aria-label={`Role of ${label}`} className={`input ${styles.roleSelect}`} value={message.role} onChange={(e) => set({ role: e.target.value })}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {r || "(no role)"}
            </option>
          ))}
        </select>
        <span className={styles.tokens} aria-label={`Tokens of ${label}`}>
          {tokens === undefined ? "… tokens" : `${formatInt(tokens)} tokens`}
        </span>
        <div className={styles.cardActions}>
          <Button variant="ghost" size="sm" aria-label={`Move ${label} up`} title="Move up" disabled={isFirst} onClick={() => onMove(-1)}>
            ↑
          </Button>
          <Button variant="ghost" size="sm" aria-label={`Move ${label} down`} title="Move down" disabled={isLast} onClick={() => onMove(1)}>
            ↓
          </Button>
          <Button variant="danger-ghost" size="sm" aria-label={`Remove ${label}`} title="Remove" onClick={onRemove}>
            ✕
          </Button>
        </div>
      </div>
      {message.partsJson ? (
        <JsonField
          label="Content parts (JSON: text and image parts)"
          value={message.content}
          onChange={(content) => set({ content })}
          error={contentProblem}
        />
      ) : (
        <textarea
          id={`${id}-content`}
          aria-label={`Content of ${label}`}
          className={`input ${styles.content}`}
          value={message.content}
          placeholder={message.role === "assistant" ? "The reply the model should learn…" : "Message text…"}
          onChange={(e) => set({ content: e.target.value })}
        />
      )}
      {message.role === "assistant" ? (
        <>
          <div className={styles.inlineRow}>
            {showWeight ? (
              <>
                <label className={styles.toggle}>
                  <input
                    type="checkbox"
                    checked={message.weight !== 0}
                    onChange={(e) => set({ weight: e.target.checked ? 1 : 0 })}
                    aria-describedby={`${id}-weight`}
                  />
                  Trains on this reply
                </label>
                <span id={`${id}-weight`} className={styles.hint}>
                  {message.weight === 0 ? "weight 0: shown as context, not learned" : message.weight === undefined ? "weight 1 (default)" : `weight ${message.weight}`}
                </span>
              </>
            ) : null}
            {showCalls ? null : (
              <Button variant="ghost" size="sm" className={styles.pushRight} aria-label={`Add tool calls to ${label}`} onClick={() => setShowCalls(true)}>
                + Tool calls
              </Button>
            )}
          </div>
          {showCalls ? (
            <JsonField
              label={`Tool calls of ${label}`}
              value={message.toolCallsText}
              onChange={(toolCallsText) => set({ toolCallsText })}
              error={problems[`Tool calls of ${label}`]}
              placeholder={TOOL_CALLS_PLACEHOLDER}
              hint={message.toolCallsText.trim() ? "Valid tool calls." : "Optional. A JSON array of function calls this reply makes."}
            />
          ) : null}
        </>
      ) : null}
      {message.role === "tool" ? (
        <div className={styles.section}>
          <label className={styles.subLabel} htmlFor={`${id}-call`}>
            Answers tool call id
          </label>
          <input
            id={`${id}-call`}
            aria-label={`Tool call id of ${label}`}
            className={`input ${styles.mono}`}
            value={message.toolCallId}
            placeholder="call_1"
            onChange={(e) => set({ toolCallId: e.target.value })}
          />
        </div>
      ) : null}
    </li>
  );
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
