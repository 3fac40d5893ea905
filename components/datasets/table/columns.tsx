"use client";

import { createColumnHelper, type RowData } from "@tanstack/react-table";
import { ISSUE_CODES, type IssueCode } from "@/lib/datasets/validate/codes";
import { Badge } from "../../ui/Badge";
import { formatInt } from "../../ui/format";
import styles from "./table.module.css";
import type { ExampleRow } from "./types";

// Column definitions of the curation table. Column ids are the API's sort keys, so react-table's sorting
// state maps straight onto ?sort=…&dir=…; sorting itself happens on the server (manualSorting).

export type TableMeta = {
  isSelected: (id: string) => boolean;
  /** range: Shift+click, selects every loaded row from the last toggled one to this one. */
  toggle: (id: string, range: boolean) => void;
  /** Token counting still running: empty counts read "counting…" rather than "—". */
  counting: boolean;
};

declare module "@tanstack/react-table" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  interface TableMeta<TData extends RowData> {
    rows?: import("./columns").TableMeta;
  }
}

const col = createColumnHelper<ExampleRow>();

/** Size of the two preview columns, which share whatever width the fixed columns leave. */
export const FLEXIBLE = 1;

function issueTitle(codes: string[], severity: "error" | "warning"): string {
  return codes
    .filter((c) => (ISSUE_CODES[c as IssueCode]?.severity ?? "warning") === severity)
    .map((c) => `${c}: ${ISSUE_CODES[c as IssueCode]?.doc ?? ""}`)
    .join("\n");
}

export const COLUMNS = [
  col.display({
    id: "select",
    header: () => null, // rendered by the table (it needs the loaded rows)
    cell: ({ row, table }) => {
      const meta = table.options.meta?.rows;
      return (
        <input
          type="checkbox"
          className={styles.check}
          aria-label={`Select example ${row.original.position + 1}`}
          checked={meta?.isSelected(row.original.id) ?? false}
          tabIndex={-1}
          onClick={(e) => {
            e.stopPropagation();
            meta?.toggle(row.original.id, e.shiftKey);
          }}
          onChange={() => {}}
        />
      );
    },
    size: 40,
  }),
  col.accessor("position", { id: "position", header: "#", cell: (c) => <span className={styles.num}>{formatInt(c.getValue() + 1)}</span>, size: 60 }),
  col.accessor("promptPreview", {
    id: "prompt",
    header: "First user message",
    cell: (c) => (c.getValue() ? <span className={styles.clip}>{c.getValue()}</span> : <span className={styles.none}>No user message</span>),
    size: FLEXIBLE,
  }),
  col.accessor("replyPreview", {
    id: "reply",
    header: "Reply",
    cell: (c) => (c.getValue() ? <span className={styles.clip}>{c.getValue()}</span> : <span className={styles.none}>No reply</span>),
    size: FLEXIBLE,
  }),
  col.accessor("messageCount", { id: "messages", header: "Msgs", cell: (c) => <span className={styles.num}>{formatInt(c.getValue())}</span>, size: 66 }),
  col.accessor("tokenCount", {
    id: "tokens",
    header: "Tokens",
    cell: ({ getValue, table }) => {
      const n = getValue();
      if (n !== null) return <span className={styles.num}>{formatInt(n)}</span>;
      return table.options.meta?.rows?.counting ? <span className={styles.counting}>counting…</span> : <span className={styles.none}>—</span>;
    },
    size: 80,
  }),
  col.accessor("tags", {
    id: "tags",
    header: "Tags",
    enableSorting: false,
    // Two tags fit the column; the rest are counted ("+2") and listed in the tooltip.
    cell: (c) => {
      const tags = c.getValue();
      return (
        <span className={styles.badges} title={tags.join(", ") || undefined}>
          {tags.slice(0, 2).map((t) => (
            <Badge key={t}>{t}</Badge>
          ))}
          {tags.length > 2 ? <span className={styles.more}>+{tags.length - 2}</span> : null}
        </span>
      );
    },
    size: 190,
  }),
  col.accessor("split", {
    id: "split",
    header: "Split",
    cell: ({ row }) => (
      <span className={styles.split} data-split={row.original.split}>
        {row.original.split}
        {row.original.splitManual ? (
          <span className={styles.manual} title="Set by hand: a re-split by ratio keeps it" aria-label="set by hand">
            ●
          </span>
        ) : null}
      </span>
    ),
    size: 100,
  }),
  col.accessor("errorCount", {
    id: "issues",
    header: "Issues",
    cell: ({ row }) => {
      const { errorCount, warningCount, issueCodes } = row.original;
      if (!errorCount && !warningCount) return <span className={styles.clean}>✓ clean</span>;
      return (
        <span className={styles.badges}>
          {errorCount ? (
            <Badge tone="danger" title={issueTitle(issueCodes, "error")}>
              {errorCount === 1 ? "1 error" : `${errorCount} errors`}
            </Badge>
          ) : null}
          {warningCount ? (
            <Badge tone="warn" title={issueTitle(issueCodes, "warning")}>
              {warningCount === 1 ? "1 warning" : `${warningCount} warnings`}
            </Badge>
          ) : null}
        </span>
      );
    },
    size: 150,
  }),
];
