"use client";

import { dateTimeParts } from "./date-format";

// Dates render in the viewer's time zone; the server may sit in another one, so the first paint can
// differ from the hydrated text. suppressHydrationWarning accepts exactly that difference. `compact` (for list
// tables) drops the current year. A narrow cell breaks between the date and the time, never inside either.

export function DateTime({ iso, compact }: { iso: string | null | undefined; compact?: boolean }) {
  if (!iso) return <span className="muted">—</span>;
  const [date, time] = dateTimeParts(new Date(iso), { compact });
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      <span className="nowrap">{date},</span> <span className="nowrap">{time}</span>
    </time>
  );
}
