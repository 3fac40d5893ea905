"use client";

import { useCallback, useRef, useState } from "react";

/**
 * Selected example ids. Shift+click extends from the last toggled row over the rows loaded in between (rows
 * never fetched cannot be selected: their ids are unknown to the browser).
 */
export function useSelection(loadedIds: string[]) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const anchor = useRef<string | null>(null);
  const ids = useRef(loadedIds);
  ids.current = loadedIds;

  const toggle = useCallback((id: string, range: boolean) => {
    setSelected((prev) => {
      const next = new Set(prev);
      const from = anchor.current ? ids.current.indexOf(anchor.current) : -1;
      const to = ids.current.indexOf(id);
      if (range && from >= 0 && to >= 0) {
        const [a, b] = from < to ? [from, to] : [to, from];
        const on = !prev.has(id);
        for (const x of ids.current.slice(a, b + 1)) {
          if (on) next.add(x);
          else next.delete(x);
        }
      } else if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
    anchor.current = id;
  }, []);

  const setAll = useCallback((on: boolean) => setSelected(on ? new Set(ids.current) : new Set()), []);
  const clear = useCallback(() => {
    setSelected(new Set());
    anchor.current = null;
  }, []);
  return { selected, toggle, setAll, clear };
}
