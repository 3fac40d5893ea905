// Deep pages of a search that matches many rows. The table reads pages by offset (its scrollbar can jump
// anywhere), and for such a search each page walks the sort index testing every earlier row's text: page 1,000
// of a search matching all 100k rows re-tests 50,000 texts (~190 ms), and the next page does it again. So the
// first page past DEEP_SEARCH_OFFSET lists every match in order once (one pass, ~0.3 s at 100k), keeps the id
// list briefly, and later pages are slices of it. The key holds the dataset's revision and analysed revision, so
// an edit, an import or new search entries from the analysis start a fresh list instead of serving a stale one.

export const DEEP_SEARCH_OFFSET = 1_000;
const MAX_LISTS = 8;
const TTL_MS = 5 * 60_000;

type Entry = { ids: string[]; at: number };

// Per process; lives on globalThis so dev reloads of this module do not leak lists.
const globalForLists = globalThis as unknown as { tuneforgeMatchLists?: Map<string, Entry> };
const lists = (globalForLists.tuneforgeMatchLists ??= new Map<string, Entry>());

/** The cached ordered match ids under `key`, loading them with `load` when absent or expired. */
export async function cachedMatchIds(key: string, load: () => Promise<string[]>): Promise<{ ids: string[]; cached: boolean }> {
  const now = Date.now();
  const hit = lists.get(key);
  if (hit && now - hit.at < TTL_MS) {
    // Map order is insertion order: re-insert to mark it most recently used.
    lists.delete(key);
    lists.set(key, hit);
    return { ids: hit.ids, cached: true };
  }
  const ids = await load();
  lists.set(key, { ids, at: now });
  while (lists.size > MAX_LISTS) lists.delete(lists.keys().next().value!);
  return { ids, cached: false };
}

/** Drops every list (tests). */
export function clearMatchLists(): void {
  lists.clear();
}
