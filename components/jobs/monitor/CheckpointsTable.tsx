"use client";

import { Badge } from "@/components/ui/Badge";
import { BreakableId } from "@/components/ui/BreakableId";
import { Table } from "@/components/ui/Table";
import { formatInt } from "@/components/ui/format";
import { bestCheckpoint, checkpointLabel, noCheckpointsText } from "@/lib/jobs/monitor/checkpoints";
import type { CheckpointView } from "@/lib/jobs/types";
import styles from "./monitor.module.css";

const loss = (v: unknown) => (typeof v === "number" ? v.toFixed(4) : "—");
const share = (v: unknown) => (typeof v === "number" ? `${Math.round(v * 100)} %` : "—");

// An ft: checkpoint name wraps only after its colons: the column keeps the widest part's width instead of cutting
// "ckpt-s" / "tep-13" apart.
function CheckpointName({ checkpoint }: { checkpoint: CheckpointView }) {
  const { text, title } = checkpointLabel(checkpoint);
  return <BreakableId id={text} className="mono" title={title} />;
}

type Props = { checkpoints: readonly CheckpointView[]; provider: "openai" | "local"; checkpointEvery: number };

export function CheckpointsTable({ checkpoints, provider, checkpointEvery }: Props) {
  if (checkpoints.length === 0) return <p className="muted">{noCheckpointsText(provider, checkpointEvery)}</p>;
  const best = bestCheckpoint(checkpoints);
  // A local DPO job's checkpoints carry reward accuracies (lib/jobs/local/run/sink.ts) and never a full-validation
  // loss: those columns take its place.
  const rewards = checkpoints.some((c) => typeof c.metrics.train_reward_accuracy === "number");
  return (
    <Table caption="Checkpoints" className={styles.checkpoints}>
      <thead>
        <tr>
          <th scope="col" className="num">Step</th>
          <th scope="col">{provider === "local" ? "Checkpoint" : "Model"}</th>
          <th scope="col" className="num">Train loss</th>
          <th scope="col" className="num">Valid loss</th>
          {rewards ? (
            <>
              <th scope="col" className="num">Reward accuracy</th>
              <th scope="col" className="num">Valid reward accuracy</th>
            </>
          ) : (
            <th scope="col" className="num">Full valid loss</th>
          )}
        </tr>
      </thead>
      <tbody>
        {checkpoints.map((c) => (
          <tr key={c.id} className={best?.id === c.id ? styles.best : undefined} data-best={best?.id === c.id || undefined}>
            <td className="num">{formatInt(c.step)}</td>
            <td>
              <CheckpointName checkpoint={c} />{" "}
              {best?.id === c.id ? <Badge tone="ok" title={`Lowest ${best.by}`}>best ({best.by})</Badge> : null}
            </td>
            <td className="num">{loss(c.metrics.train_loss)}</td>
            <td className="num">{loss(c.metrics.valid_loss)}</td>
            {rewards ? (
              <>
                <td className="num">{share(c.metrics.train_reward_accuracy)}</td>
                <td className="num">{share(c.metrics.valid_reward_accuracy)}</td>
              </>
            ) : (
              <td className="num">{loss(c.metrics.full_valid_loss)}</td>
            )}
          </tr>
        ))}
      </tbody>
    </Table>
  );
}
