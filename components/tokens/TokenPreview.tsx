"use client";

import { Fragment } from "react";
import type { PreviewToken, TokenPreview as Preview } from "@/lib/models/preview";
import { formatInt } from "../ui/format";
import styles from "./tokens.module.css";

// The token-level view of one example as the trainer sees it: every token a chip (boundaries visible),
// trained tokens (the loss mask) in one colour, prompt/masked tokens in another, whitespace drawn (· space,
// → tab, ↵ newline, which also breaks the line), and a "max sequence length" marker after which the
// tokens the trainer cuts off are struck through and faded.

function visible(text: string): string {
  return text.replace(/ /g, "·").replace(/\t/g, "→").replace(/\r/g, "␍").replace(/\n/g, "↵");
}

function describe(t: PreviewToken): string {
  const kind = t.truncated ? "truncated (beyond max sequence length)" : t.trained ? "trained (loss target)" : "prompt (masked from the loss)";
  return `#${t.index} · id ${t.id} · chars ${t.start}–${t.end} · ${kind}${t.special ? " · special token" : ""}\n${JSON.stringify(t.text)}`;
}

function Chip({ token }: { token: PreviewToken }) {
  const cls = [styles.token, token.trained ? styles.trained : styles.masked, token.truncated ? styles.truncated : "", token.special ? styles.special : ""].join(" ");
  const newlines = token.text.split("\n").length - 1;
  return (
    <>
      <span className={cls} title={describe(token)} data-token-index={token.index} data-trained={token.trained || undefined} data-truncated={token.truncated || undefined}>
        {token.text === "" ? <span className={styles.byte}>⋯</span> : visible(token.text)}
      </span>
      {Array.from({ length: newlines }, (_, i) => (
        <br key={i} />
      ))}
    </>
  );
}

export function TokenPreview({ preview }: { preview: Preview }) {
  const { counts, maxSeqLen } = preview;
  const markerAt = preview.tokens.length > maxSeqLen ? maxSeqLen : -1;
  return (
    <div className={styles.preview} data-testid="token-preview">
      <dl className={styles.counts} aria-label="Token counts">
        <div>
          <dt>Tokens</dt>
          <dd data-testid="count-total">{formatInt(counts.total)}</dd>
        </div>
        <div>
          <dt>Trained</dt>
          <dd data-testid="count-trained">{formatInt(counts.trainedKept)}{counts.trainedKept !== counts.trained ? ` of ${formatInt(counts.trained)}` : ""}</dd>
        </div>
        <div>
          <dt>Prompt (masked)</dt>
          <dd data-testid="count-masked">{formatInt(counts.masked)}</dd>
        </div>
        <div>
          <dt>Truncated</dt>
          <dd data-testid="count-truncated">{formatInt(counts.truncated)}</dd>
        </div>
        <div>
          <dt>Max sequence length</dt>
          <dd>{formatInt(maxSeqLen)}</dd>
        </div>
      </dl>
      <ul className={styles.legend} aria-label="Legend">
        <li><span className={`${styles.token} ${styles.trained}`}>trained</span> loss target (assistant reply)</li>
        <li><span className={`${styles.token} ${styles.masked}`}>prompt</span> context, masked from the loss</li>
        <li><span className={`${styles.token} ${styles.masked} ${styles.special}`}>&lt;|tok|&gt;</span> special token</li>
        <li><span className={`${styles.token} ${styles.trained} ${styles.truncated}`}>cut</span> beyond max sequence length</li>
        <li><span className="mono">· → ↵</span> space, tab, newline</li>
      </ul>
      <div className={styles.tokens} aria-label={`${counts.total} tokens`}>
        {preview.tokens.map((t) => (
          <Fragment key={t.index}>
            {t.index === markerAt ? (
              <span className={styles.marker} role="separator" data-testid="max-seq-marker">
                ✂ max sequence length {formatInt(maxSeqLen)}: {formatInt(counts.truncated)} tokens below are cut off
              </span>
            ) : null}
            <Chip token={t} />
          </Fragment>
        ))}
      </div>
      <p className={styles.origin}>
        Rendered with <code>{preview.templateOrigin}</code>; hover a token for its id and character span.
      </p>
    </div>
  );
}
