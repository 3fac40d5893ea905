import Link from "next/link";
import { formatInt } from "@/components/ui/format";
import type { ClusterRow, DuplicateCluster } from "./types";
import styles from "./stats.module.css";

/** Link to a row in the table with the editor open on it. */
function RowLink({ row, pathname }: { row: ClusterRow; pathname: string }) {
  const preview = row.preview || "(no user message)";
  return (
    <Link href={`${pathname}?tab=examples&example=${encodeURIComponent(row.id)}`} className={styles.rowLink} scroll={false}>
      <span className={styles.rowNumber}>#{formatInt(row.position + 1)}</span>
      {row.split !== "train" ? <span className={styles.splitTag}>{row.split}</span> : null}
      <span className={styles.rowPreview}>{preview}</span>
    </Link>
  );
}

/** Groups of repeated examples: the first copy in the table, then the rows that repeat it. */
export function DuplicateClusters({ clusters, pathname, truncated }: { clusters: DuplicateCluster[]; pathname: string; truncated: boolean }) {
  if (clusters.length === 0) return <p className="muted">No duplicates or near-duplicates found.</p>;
  return (
    <>
      <ol className={styles.clusters} aria-label="Duplicate clusters">
        {clusters.map((c) => (
          <li key={`${c.kind}-${c.original.id}`} className={styles.cluster}>
            <div className={styles.clusterHead}>
              <span className={c.kind === "exact" ? styles.exactTag : styles.nearTag}>{c.kind === "exact" ? "Exact" : "Near"}</span>
              <span className="muted">
                {formatInt(c.copies.length + 1)} examples
              </span>
            </div>
            <ul className={styles.clusterRows}>
              <li>
                <RowLink row={c.original} pathname={pathname} />
                <span className={styles.originalMark}>first copy</span>
              </li>
              {c.copies.map((row) => (
                <li key={row.id}>
                  <RowLink row={row} pathname={pathname} />
                </li>
              ))}
            </ul>
          </li>
        ))}
      </ol>
      {truncated ? <p className="muted">Showing the {formatInt(clusters.length)} largest groups; filter the table by issue to see every flagged example.</p> : null}
    </>
  );
}
