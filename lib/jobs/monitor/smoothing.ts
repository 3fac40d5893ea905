// Exponential moving average as TensorBoard draws it: `weight` 0 = raw, 0.99 = very smooth. The average
// starts at 0 and is divided by (1 − weight^n) ("debiased"), so the first points are not pulled towards 0.
// Non-finite values pass through unchanged and do not disturb the average.

export function emaSmooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  const w = Math.min(Math.max(weight, 0), 0.999);
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * w + (1 - w) * v;
    count += 1;
    const debias = w === 0 ? 1 : 1 - Math.pow(w, count);
    return last / debias;
  });
}
