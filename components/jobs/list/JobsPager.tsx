import Link from "next/link";
import type { JobListFilters } from "@/lib/jobs/list";
import { jobListQuery } from "@/lib/jobs/monitor/list-filters";
import styles from "./list.module.css";

// Under the jobs table when the list has more than one page: older jobs a page at a time (the URL's `before`, with
// the same filters), and back to the newest. Plain links, so each page can be bookmarked and works without JavaScript;
// the browser's Back returns to the page before.

type Props = { filters: JobListFilters; newer: number; older: string | null };

export function JobsPager({ filters, newer, older }: Props) {
  if (newer === 0 && !older) return null;
  const href = (before?: string) => `/jobs${jobListQuery({ ...filters, before })}`;
  return (
    <nav aria-label="Job list pages" className={styles.pager}>
      {newer > 0 ? <Link href={href(undefined)}>← Newest jobs</Link> : <span />}
      {older ? <Link href={href(older)}>Older jobs →</Link> : null}
    </nav>
  );
}
