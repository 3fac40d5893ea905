"use client";

// Dates render in the viewer's time zone; the server may sit in another one, so the first paint can
// differ from the hydrated text. suppressHydrationWarning accepts exactly that difference.
const format = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function DateTime({ iso }: { iso: string | null | undefined }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso} suppressHydrationWarning>
      {format.format(new Date(iso))}
    </time>
  );
}
