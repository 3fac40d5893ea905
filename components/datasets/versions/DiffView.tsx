"use client";

import { Button } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { Notice } from "../../ui/Notice";
import { formatInt } from "../../ui/format";
import { messageOf } from "../../api-client";
import type { ChangedPreview, EntryPreview } from "@/lib/datasets/versions/diff";
import { sideLabel, useDiff, type DiffSide } from "./api";
import styles from "./versions.module.css";

type Props = { datasetId: string; pair: { from: DiffSide; to: DiffSide }; onClose: () => void };

/** "message 2", "tools", … — which parts of a changed example differ (message numbers from 1, as in the editor). */
function describeChanges(changes: string[]): string {
  const parts = changes.map((c) => (/^\d+$/.test(c) ? `message ${Number(c) + 1}` : c));
  return parts.length ? `${parts.join(", ")} changed` : "changed";
}

function Preview({ entry, split }: { entry: EntryPreview; split?: string }) {
  return (
    <div className={styles.preview}>
      <span className={styles.splitTag}>{split ?? entry.split}</span>
      <span className={styles.prompt}>{entry.prompt || <em className="muted">no user message</em>}</span>
      <span className={styles.reply}>{entry.reply || <em className="muted">no reply</em>}</span>
    </div>
  );
}

function Section({ title, tone, count, children }: { title: string; tone: "added" | "removed" | "changed"; count: number; children: React.ReactNode }) {
  if (count === 0) return null;
  return (
    <section aria-label={title} className={styles.diffSection}>
      <h4 className={styles[tone]}>
        {title} ({formatInt(count)})
      </h4>
      <ul className={styles.diffList}>{children}</ul>
    </section>
  );
}

function ChangedItem({ item }: { item: ChangedPreview }) {
  // Only moved between splits: one line with the move says it all.
  if (item.changes.length === 1 && item.changes[0] === "split") {
    return (
      <li className={styles.changedItem}>
        <div className={styles.changedWhat}>split changed</div>
        <Preview entry={item.after} split={`${item.before.split} → ${item.after.split}`} />
      </li>
    );
  }
  return (
    <li className={styles.changedItem}>
      <div className={styles.changedWhat}>{describeChanges(item.changes)}</div>
      <div className={styles.beforeAfter}>
        <div>
          <div className={styles.baLabel}>Before</div>
          <Preview entry={item.before} />
        </div>
        <div>
          <div className={styles.baLabel}>After</div>
          <Preview entry={item.after} />
        </div>
      </div>
    </li>
  );
}

export function DiffView({ datasetId, pair, onClose }: Props) {
  const diff = useDiff(datasetId, pair);
  const title = `${sideLabel(pair.from)} → ${sideLabel(pair.to)}`;
  const d = diff.data;
  const none = d && d.counts.added + d.counts.removed + d.counts.changed === 0;
  return (
    <Card
      title={`Diff ${title}`}
      level={3}
      actions={
        <Button size="sm" variant="ghost" onClick={onClose}>
          Close diff
        </Button>
      }
    >
      {diff.isPending ? <p className="muted">Comparing…</p> : null}
      {diff.error ? <Notice tone="danger">{messageOf(diff.error)}</Notice> : null}
      {d ? (
        <div className="stack">
          <p className={styles.diffSummary} aria-label="Diff summary">
            <span className={styles.added}>+{formatInt(d.counts.added)} added</span>
            <span className={styles.removed}>−{formatInt(d.counts.removed)} removed</span>
            <span className={styles.changed}>~{formatInt(d.counts.changed)} changed</span>
            <span className="muted">{formatInt(d.counts.unchanged)} unchanged</span>
          </p>
          {none ? <Notice tone="ok">No changes: {sideLabel(pair.to)} holds the same examples as {sideLabel(pair.from)}.</Notice> : null}
          {d.truncated ? <Notice tone="info">Showing the first 200 of each kind; the counts above are complete.</Notice> : null}
          <Section title="Added" tone="added" count={d.counts.added}>
            {d.added.map((e, i) => (
              <li key={i}>
                <Preview entry={e} />
              </li>
            ))}
          </Section>
          <Section title="Removed" tone="removed" count={d.counts.removed}>
            {d.removed.map((e, i) => (
              <li key={i}>
                <Preview entry={e} />
              </li>
            ))}
          </Section>
          <Section title="Changed" tone="changed" count={d.counts.changed}>
            {d.changed.map((c, i) => (
              <ChangedItem key={i} item={c} />
            ))}
          </Section>
        </div>
      ) : null}
    </Card>
  );
}
