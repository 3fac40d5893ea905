// Axis ticks for memory charts (the job page's memory per step, the Models page's estimate). Recharts picks decimal
// ticks over the data's own range, so a run that holds about 3.5 MiB at every step got five ticks that all print
// "3.5 MiB", and a 94 MiB estimate read "0.025 GiB, 0.05 GiB". Memory reads best from zero, in round steps of one
// binary unit: "0, 1 MiB, 2 MiB, 3 MiB, 4 MiB". Each step is 1, 2, 2.5 or 5 × a power of ten of the unit that the
// largest value is counted in.

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"] as const;

export type ByteAxis = { ticks: number[]; format: (bytes: number) => string };

export function byteAxis(maxBytes: number, maxTicks = 5): ByteAxis {
  if (!(maxBytes > 0) || !Number.isFinite(maxBytes)) return { ticks: [0], format: () => "0" };
  let exponent = 0;
  while (exponent < UNITS.length - 1 && maxBytes >= 1024 ** (exponent + 1)) exponent++;
  const unit = 1024 ** exponent;
  const inUnits = maxBytes / unit;
  const rough = inUnits / (maxTicks - 1);
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  // Bytes are whole: no step below one byte.
  const stepInUnits = exponent === 0 ? Math.max(1, step) : step;
  const count = Math.ceil(inUnits / stepInUnits - 1e-9);
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * stepInUnits * unit);
  // As many decimals as the step has (0.25 GiB: two), so no two ticks print alike.
  let decimals = 0;
  while (decimals < 4 && Math.abs(Math.round(stepInUnits * 10 ** decimals) - stepInUnits * 10 ** decimals) > 1e-6) decimals++;
  const format = (bytes: number) => (bytes === 0 ? "0" : `${(bytes / unit).toFixed(decimals)} ${UNITS[exponent]}`);
  return { ticks, format };
}
