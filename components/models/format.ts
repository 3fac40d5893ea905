// Memory sizes are formatted where the memory arithmetic lives (the GPU worker's messages use it too).
export { formatBytes } from "../../lib/models/memory";

/** 8,030,261,248 → "8.03 B"; 1,234,567 → "1.23 M". */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
