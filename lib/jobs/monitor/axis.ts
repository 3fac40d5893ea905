// Y-axis ticks for the job page's memory chart. Recharts picks decimal ticks over the data's own narrow range, so a
// run that holds about 3.5 MiB at every step got five ticks that all print "3.5 MiB". Memory reads best from zero, in
// round steps of one binary unit: "0, 1 MiB, 2 MiB, 3 MiB, 4 MiB". Each step is 1, 2 or 5 × a power of ten of
// the unit that the largest value is counted in.

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
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough)!;
  // Bytes are whole: no step below one byte.
  const stepInUnits = exponent === 0 ? Math.max(1, step) : step;
  const count = Math.ceil(inUnits / stepInUnits - 1e-9);
  const ticks = Array.from({ length: count + 1 }, (_, i) => i * stepInUnits * unit);
  const decimals = Math.max(0, -Math.floor(Math.log10(stepInUnits) + 1e-9));
  const format = (bytes: number) => (bytes === 0 ? "0" : `${(bytes / unit).toFixed(decimals)} ${UNITS[exponent]}`);
  return { ticks, format };
}
