// Date and time as the dashboard shows them, in the viewer's locale and time zone (both can be fixed for tests).
// The compact form drops the year of a date in the current year ("Dec 1, 6:25 AM"), for list tables. The date and
// the time are formatted apart so a narrow cell breaks between them, never inside one ("Dec 1, 2026, 6:25 / AM").

export type DateTimeOptions = { compact?: boolean; now?: Date; locale?: string; timeZone?: string };

// Intl formatters are costly to build and a long event log renders hundreds of dates: one per kind.
type Kind = "year" | "day" | "dayYear" | "time";
const OPTIONS: Record<Kind, Intl.DateTimeFormatOptions> = {
  year: { year: "numeric" },
  day: { month: "short", day: "numeric" },
  dayYear: { dateStyle: "medium" },
  time: { timeStyle: "short" },
};
const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: Kind, locale?: string, timeZone?: string): Intl.DateTimeFormat {
  const key = `${kind}|${kind === "year" ? "" : (locale ?? "")}|${timeZone ?? ""}`;
  let f = formatters.get(key);
  if (!f) {
    // The year test compares numbers, so it need not follow the viewer's locale.
    f = new Intl.DateTimeFormat(kind === "year" ? "en-US" : locale, { ...OPTIONS[kind], timeZone });
    formatters.set(key, f);
  }
  return f;
}

/** [date, time]: "Dec 1, 2026" (or "Dec 1" when compact and in the current year) and "6:25 AM". */
export function dateTimeParts(date: Date, { compact = false, now = new Date(), locale, timeZone }: DateTimeOptions = {}): [string, string] {
  const year = formatter("year", locale, timeZone);
  const dropYear = compact && year.format(date) === year.format(now);
  return [formatter(dropYear ? "day" : "dayYear", locale, timeZone).format(date), formatter("time", locale, timeZone).format(date)];
}
