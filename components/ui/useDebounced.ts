"use client";

import { useEffect, useState } from "react";

/**
 * The value once it has stopped changing for `ms`: typing in a field sends one request, not one per key.
 * Compared by its JSON, not its identity, so a re-render with equal fields does not restart the timer.
 */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  const key = JSON.stringify(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [key, ms]);
  return settled;
}
