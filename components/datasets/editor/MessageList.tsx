"use client";

import { Button } from "@/components/ui/Button";
import { blankMessage, messageLabel, nextRole, type DraftMessage, type MessageGroup } from "./draft";
import styles from "./editor.module.css";
import { MessageCard } from "./MessageCard";

type Props = {
  title: string;
  group: MessageGroup;
  messages: DraftMessage[];
  /** Token count of each message, in order; undefined while counting. */
  tokens: (number | undefined)[];
  problems: Record<string, string>;
  onChange: (messages: DraftMessage[]) => void;
  hint?: string;
  /** Supervised chat trains per assistant message (weight); DPO compares outputs whole. */
  weights?: boolean;
};

/** A list of messages with add / move / remove. */
export function MessageList({ title, group, messages, tokens, problems, onChange, hint, weights = false }: Props) {
  const headingId = `messages-${group}`;
  const addLabel = group === "messages" ? "Add message" : group === "preferred" ? "Add preferred message" : "Add non-preferred message";
  const move = (i: number, delta: -1 | 1) => {
    const next = [...messages];
    const [m] = next.splice(i, 1);
    next.splice(i + delta, 0, m!);
    onChange(next);
  };
  return (
    <section className={styles.section} aria-labelledby={headingId}>
      <div className={styles.sectionHead}>
        <h3 id={headingId}>{title}</h3>
        {hint ? <span className={styles.hint}>{hint}</span> : null}
      </div>
      {messages.length === 0 ? <p className={styles.hint}>No messages yet.</p> : null}
      <ol className={styles.messages}>
        {messages.map((m, i) => (
          <MessageCard
            key={m.key}
            message={m}
            label={messageLabel(group, i)}
            isFirst={i === 0}
            isLast={i === messages.length - 1}
            tokens={tokens[i]}
            problems={problems}
            showWeight={weights}
            onChange={(updated) => onChange(messages.map((x) => (x.key === m.key ? updated : x)))}
            onMove={(delta) => move(i, delta)}
            onRemove={() => onChange(messages.filter((x) => x.key !== m.key))}
          />
        ))}
      </ol>
      <div>
        <Button size="sm" onClick={() => onChange([...messages, blankMessage(group === "messages" ? nextRole(messages) : "assistant")])}>
          + {addLabel}
        </Button>
      </div>
    </section>
  );
}
