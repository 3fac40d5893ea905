/** Bytes as GiB (or MiB below 1 GiB), the units GPU memory is sold and reported in. */
export function formatBytes(bytes: number): string {
  const GiB = 1024 ** 3;
  if (bytes >= GiB) return `${(bytes / GiB).toFixed(bytes >= 100 * GiB ? 0 : bytes >= 10 * GiB ? 1 : 2)} GiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** 8,030,261,248 → "8.03 B"; 1,234,567 → "1.23 M". */
export function formatParams(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} K`;
  return String(n);
}
