// NF4 and double quantization written from reference/trainer.md (bitsandbytes' scheme), independently of
// the C++ one, so a test can build the weights an NF4 model should compute with and compare forwards.

export const NF4_CODE = [
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635, -0.18477343022823334,
  -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725, 0.24611230194568634, 0.33791524171829224,
  0.44070982933044434, 0.5626170039176941, 0.7229568362236023, 1.0,
];

function nearest(table: number[], x: number): number {
  let best = 0;
  for (let i = 1; i < table.length; i++) if (Math.abs(table[i]! - x) < Math.abs(table[best]! - x)) best = i;
  return table[best]!;
}

/** create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): 256 sorted values. */
export function signedDynamicMap(): number[] {
  const values: number[] = [];
  for (let i = 0; i < 7; i++) {
    const n = 2 ** i + 1;
    const b = Array.from({ length: n }, (_, k) => 0.1 + (0.9 * k) / (n - 1));
    for (let k = 0; k + 1 < n; k++) {
      const mean = (b[k]! + b[k + 1]!) / 2;
      values.push(10 ** (-6 + i) * mean, -(10 ** (-6 + i)) * mean);
    }
  }
  values.push(0, 1);
  return values.sort((a, b) => a - b);
}

const f32 = (x: number) => Math.fround(x);

/** The values an NF4 (optionally double-quantized) weight dequantizes to, as fp32 numbers. */
export function nf4RoundTrip(w: Float32Array, doubleQuant: boolean): Float32Array {
  const blocks = Math.ceil(w.length / 64);
  const absmax = new Float32Array(blocks);
  for (let b = 0; b < blocks; b++) {
    let m = 0;
    for (let i = b * 64; i < Math.min(w.length, (b + 1) * 64); i++) m = Math.max(m, Math.abs(w[i]!));
    absmax[b] = m;
  }
  const codes = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const a = absmax[Math.floor(i / 64)]!;
    codes[i] = a === 0 ? 0 : nearest(NF4_CODE, f32(w[i]! / a));
  }
  let scale = absmax;
  if (doubleQuant) {
    const dyn = signedDynamicMap();
    let sum = 0;
    for (const a of absmax) sum += a;
    const offset = f32(sum / absmax.length);
    scale = new Float32Array(blocks);
    for (let g = 0; g < blocks; g += 256) {
      let m = 0;
      for (let b = g; b < Math.min(blocks, g + 256); b++) m = Math.max(m, Math.abs(absmax[b]! - offset));
      for (let b = g; b < Math.min(blocks, g + 256); b++) {
        const q = m === 0 ? 0 : nearest(dyn, f32((absmax[b]! - offset) / m));
        scale[b] = f32(f32(q * m) + offset);
      }
    }
  }
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = f32(codes[i]! * scale[Math.floor(i / 64)]!);
  return out;
}
