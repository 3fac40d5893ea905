"use client";

import { useId, useState } from "react";
import { Button, ButtonLink } from "../../ui/Button";
import { Card } from "../../ui/Card";
import { DateTime } from "../../ui/DateTime";
import { EmptyState } from "../../ui/EmptyState";
import { Notice } from "../../ui/Notice";
import { Table } from "../../ui/Table";
import { formatInt } from "../../ui/format";
import { messageOf } from "../../api-client";
import { useVersions, type DiffSide } from "./api";
import { CopyHash } from "./CopyHash";
import { ExportMenu } from "./ExportMenu";
import styles from "./versions.module.css";

type Props = { datasetId: string; onCompare: (pair: { from: DiffSide; to: DiffSide }) => void };

const parseSide = (value: string): DiffSide => (value === "working" ? "working" : Number(value));

/** Frozen versions, newest first, with downloads per split and a picker to compare two of them. */
export function VersionsTable({ datasetId, onCompare }: Props) {
  const versions = useVersions(datasetId);
  const [from, setFrom] = useState<string>("");
  const [to, setTo] = useState<string>("working");
  const id = useId();
  const list = versions.data ?? [];
  const fromValue = from || (list[0] ? String(list[0].number) : "");

  const compare =
    list.length > 0 ? (
      <form
        className={styles.compareBar}
        aria-label="Compare versions"
        onSubmit={(e) => {
          e.preventDefault();
          onCompare({ from: parseSide(fromValue), to: parseSide(to) });
        }}
      >
        <label htmlFor={`${id}-from`}>Compare</label>
        <select id={`${id}-from`} className="input" value={fromValue} onChange={(e) => setFrom(e.target.value)} aria-label="Compare from">
          {list.map((v) => (
            <option key={v.number} value={v.number}>
              v{v.number}
            </option>
          ))}
        </select>
        <label htmlFor={`${id}-to`}>with</label>
        <select id={`${id}-to`} className="input" value={to} onChange={(e) => setTo(e.target.value)} aria-label="Compare to">
          <option value="working">Working set</option>
          {list.map((v) => (
            <option key={v.number} value={v.number}>
              v{v.number}
            </option>
          ))}
        </select>
        <Button type="submit" size="sm" disabled={fromValue === to}>
          Show diff
        </Button>
      </form>
    ) : null;

  return (
    <Card title="Versions" description="Immutable snapshots. The sha256 covers the train file followed by the validation file." actions={compare} level={3}>
      {versions.error ? <Notice tone="danger">{messageOf(versions.error)}</Notice> : null}
      {versions.isPending ? <p className="muted">Loading versions…</p> : null}
      {versions.data && list.length === 0 ? (
        <EmptyState icon="❄" title="No versions yet">
          <p>Freeze the working set to get a version that jobs and evaluations can pin.</p>
        </EmptyState>
      ) : null}
      {list.length > 0 ? (
        <div className={styles.tight}>
          <Table caption="Dataset versions">
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Created</th>
                <th scope="col" className="num">
                  Train
                </th>
                <th scope="col" className="num">
                  Validation
                </th>
                <th scope="col" className="num">
                  Tokens
                </th>
                <th scope="col">sha256</th>
                <th scope="col">Note</th>
                <th scope="col" className="num" title="Jobs and evaluations that pin this version">
                  Pinned
                </th>
                <th scope="col">
                  <span className="visually-hidden">Export</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((v) => (
                <tr key={v.number}>
                  <th scope="row" className={styles.versionCell}>
                    v{v.number}
                    {v.hasPreference ? <span className={styles.dpo}>DPO</span> : null}
                  </th>
                  <td className="nowrap">
                    <DateTime iso={v.createdAt} />
                  </td>
                  <td className="num">{formatInt(v.trainCount)}</td>
                  <td className="num">{formatInt(v.validationCount)}</td>
                  <td className="num">{formatInt(v.tokenCount)}</td>
                  <td>
                    <CopyHash sha256={v.sha256} label={`v${v.number}`} />
                  </td>
                  <td className={styles.note}>{v.note || <span className="muted">—</span>}</td>
                  <td className="num" title={`${v.jobCount} jobs, ${v.evalRunCount} evaluations`}>
                    {v.jobCount + v.evalRunCount === 0 ? <span className="muted">—</span> : `${v.jobCount} jobs · ${v.evalRunCount} evals`}
                  </td>
                  <td className="actions">
                    <div className={styles.rowActions}>
                      <ButtonLink size="sm" href={`/jobs/new?dataset=${datasetId}&version=${v.number}`}>
                        Train
                      </ButtonLink>
                      <ExportMenu datasetId={datasetId} source={v.number} splits={v.validationCount > 0 ? ["train", "validation", "all"] : ["train", "all"]} />
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </Table>
        </div>
      ) : null}
    </Card>
  );
}
