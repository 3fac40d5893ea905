// The jobs list pages by keyset, not by offset: a cursor names the last row a page showed (its
// createdAt and id), and the next page is every matching row after it in (createdAt desc, id desc) order. Jobs created
// while someone pages do not shift the later pages (an offset would show a row twice), and each page is an index
// range however deep it is. createdAt is stored to the millisecond (Prisma's timestamp(3)), as the cursor holds it.

export type NewestFirstKey = { createdAt: Date; id: string };

/** The cursor for the rows after `row`: "<ms since epoch>_<id>", safe in a URL as it is. */
export function cursorAfter(row: NewestFirstKey): string {
  return `${row.createdAt.getTime()}_${row.id}`;
}

/** The key a cursor names, or null for anything cursorAfter cannot have written. */
export function parseCursor(cursor: string): NewestFirstKey | null {
  const m = /^(\d{1,15})_([A-Za-z0-9-]{1,64})$/.exec(cursor);
  if (!m) return null;
  const createdAt = new Date(Number(m[1]));
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: m[2]! };
}

/** A where clause for the rows after `key` in (createdAt desc, id desc) order. */
export function rowsAfter(key: NewestFirstKey) {
  return { OR: [{ createdAt: { lt: key.createdAt } }, { createdAt: key.createdAt, id: { lt: key.id } }] };
}
