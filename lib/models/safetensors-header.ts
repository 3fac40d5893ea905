import { open, readdir } from "node:fs/promises";
import path from "node:path";

// Parameter counts and dtypes straight from the safetensors headers: 8 bytes of little-endian header length,
// then a JSON map {name: {dtype, shape, data_offsets}}. Only the header is read, never the weights, so a
// 16 GB model is described in milliseconds.

/** A header longer than this is not a real checkpoint (the largest real ones are a few MB). */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

export type TensorEntry = { name: string; dtype: string; shape: number[] };
export type WeightsSummary = {
  files: string[];
  tensors: number;
  parameters: number;
  /** Of `parameters`, the vision tower's and projector's of an image-text checkpoint (0 for a text model). */
  visionParameters: number;
  /** Parameters per dtype, e.g. { BF16: 1234 }. */
  dtypes: Record<string, number>;
  /** The dtype holding most parameters. */
  dtype: string | null;
};

export async function readSafetensorsHeader(file: string): Promise<TensorEntry[]> {
  const handle = await open(/*turbopackIgnore: true*/ file, "r");
  try {
    const size = (await handle.stat()).size;
    const lengthBuf = Buffer.alloc(8);
    if (size < 8 || (await handle.read(lengthBuf, 0, 8, 0)).bytesRead !== 8) throw new Error(`${path.basename(file)}: too short to be safetensors`);
    const length = Number(lengthBuf.readBigUInt64LE(0));
    if (length > MAX_HEADER_BYTES || 8 + length > size) throw new Error(`${path.basename(file)}: header length ${length} does not fit the file (${size} bytes); the file is truncated or not safetensors`);
    const headerBuf = Buffer.alloc(length);
    await handle.read(headerBuf, 0, length, 8);
    let header: unknown;
    try {
      header = JSON.parse(headerBuf.toString("utf8"));
    } catch (err) {
      throw new Error(`${path.basename(file)}: header is not JSON (${(err as Error).message})`);
    }
    if (!header || typeof header !== "object" || Array.isArray(header)) throw new Error(`${path.basename(file)}: header is not a JSON object`);
    const entries: TensorEntry[] = [];
    for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
      if (name === "__metadata__") continue;
      const v = value as { dtype?: unknown; shape?: unknown };
      if (typeof v?.dtype !== "string" || !Array.isArray(v.shape) || !v.shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw new Error(`${path.basename(file)}: tensor "${name}" has no valid dtype/shape`);
      }
      entries.push({ name, dtype: v.dtype, shape: v.shape as number[] });
    }
    return entries;
  } finally {
    await handle.close();
  }
}

/** An image-text checkpoint's vision side (Gemma 3 from 4B up: its SigLIP tower and projector), beside the decoder. */
const VISION_PREFIXES = ["vision_tower.", "multi_modal_projector.", "model.vision_tower.", "model.multi_modal_projector."];

/** Sums every *.safetensors file in a model folder (shards included). null when there are none. */
export async function summarizeWeights(folder: string): Promise<WeightsSummary | null> {
  const files = (await readdir(/*turbopackIgnore: true*/ folder)).filter((f) => f.endsWith(".safetensors")).sort();
  if (files.length === 0) return null;
  const dtypes: Record<string, number> = {};
  let tensors = 0;
  let parameters = 0;
  let visionParameters = 0;
  for (const f of files) {
    for (const t of await readSafetensorsHeader(path.join(/*turbopackIgnore: true*/ folder, f))) {
      const n = t.shape.reduce((a, b) => a * b, 1);
      tensors++;
      parameters += n;
      if (VISION_PREFIXES.some((p) => t.name.startsWith(p))) visionParameters += n;
      dtypes[t.dtype] = (dtypes[t.dtype] ?? 0) + n;
    }
  }
  const dtype = Object.entries(dtypes).sort((a, b) => b[1] - a[1])[0]?.[0] ?? null;
  return { files, tensors, parameters, visionParameters, dtypes, dtype };
}
