import fs from "node:fs";

// Writes the safetensors format (u64 little-endian header length, JSON header, raw little-endian data) so
// tests need no Python. Tensors are given in fp32 and stored as F32 or BF16.

export type TensorDtype = "F32" | "BF16";
export type Tensor = { name: string; shape: number[]; data: Float32Array };

/** fp32 → bf16 bits with round-to-nearest-even (what torch's .to(bfloat16) does); NaN stays NaN. */
export function f32ToBf16Bits(values: Float32Array): Uint16Array {
  const bits = new Uint32Array(values.buffer, values.byteOffset, values.length);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i]!;
    if ((b & 0x7fffffff) > 0x7f800000) {
      out[i] = (b >>> 16) | 0x0040;
      continue;
    }
    out[i] = (b + 0x7fff + ((b >>> 16) & 1)) >>> 16;
  }
  return out;
}

/** bf16 bits → fp32 values (for tests that compare against what was written). */
export function bf16BitsToF32(bits: Uint16Array): Float32Array {
  const out = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bits[i]! << 16;
  return new Float32Array(out.buffer);
}

export function encodeSafetensors(tensors: Tensor[], dtype: TensorDtype, metadata: Record<string, string> = { format: "pt" }): Buffer {
  const width = dtype === "F32" ? 4 : 2;
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape}] holds ${count} values but data has ${t.data.length}`);
    const bytes = dtype === "F32" ? Buffer.from(new Float32Array(t.data).buffer) : Buffer.from(f32ToBf16Bits(t.data).buffer);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + count * width] };
    chunks.push(bytes);
    offset += bytes.length;
  }
  // Pad the header with spaces to a multiple of 8 so the data is aligned, as the reference writer does.
  let json = JSON.stringify(header);
  json += " ".repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([len, Buffer.from(json), ...chunks]);
}

export function writeSafetensors(file: string, tensors: Tensor[], dtype: TensorDtype, metadata?: Record<string, string>): void {
  fs.writeFileSync(file, encodeSafetensors(tensors, dtype, metadata));
}

/**
 * Reads a safetensors file into fp32 arrays (F32/BF16 only): enough for tests to inspect adapters and models. `dtype`
 * is the stored one (Gemma's embedding scale is rounded to it).
 */
export function readSafetensors(file: string): Map<string, { shape: number[]; data: Float32Array; dtype: TensorDtype }> {
  const buf = fs.readFileSync(file);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8")) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const base = 8 + n;
  const out = new Map<string, { shape: number[]; data: Float32Array; dtype: TensorDtype }>();
  for (const [name, info] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const [start, end] = info.data_offsets;
    const raw = buf.subarray(base + start, base + end);
    const copy = new Uint8Array(raw); // aligned copy for typed-array views
    if (info.dtype === "F32") out.set(name, { shape: info.shape, data: new Float32Array(copy.buffer), dtype: "F32" });
    else if (info.dtype === "BF16") out.set(name, { shape: info.shape, data: bf16BitsToF32(new Uint16Array(copy.buffer)), dtype: "BF16" });
    else throw new Error(`${file}: tensor ${name} has dtype ${info.dtype}; this test reader handles F32 and BF16`);
  }
  return out;
}
