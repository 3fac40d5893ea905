import Link from "next/link";
import { formatInt } from "./format";

// Under a newest-first list with more than one page (jobs, evaluations): back to the newest page, and the next,
// older one (the URL's `before`, with the list's filters). Plain links, so each page can be bookmarked and works
// without JavaScript; the browser's Back returns to the page before. `range` says which rows of how many are shown.

type Props = { label: string; newestHref: string | null; olderHref: string | null; noun: string; range?: string };

export function ListPager({ label, newestHref, olderHref, noun, range }: Props) {
  if (!newestHref && !olderHref) return null;
  return (
    <nav aria-label={label} className="list-pager">
      {newestHref ? <Link href={newestHref}>← Newest {noun}</Link> : <span />}
      {range ? <span className="muted">{range}</span> : null}
      {olderHref ? <Link href={olderHref}>Older {noun} →</Link> : <span />}
    </nav>
  );
}

/** "201–400 of 1,234 evaluations", or "19 evaluations" when one page shows them all. */
export function rangeText(first: number, shown: number, total: number, noun: string): string {
  if (first === 1 && shown >= total) return `${formatInt(shown)} ${noun}`;
  return `${formatInt(first)}–${formatInt(first + shown - 1)} of ${formatInt(total)} ${noun}`;
}
