// Model shapes the generator writes. "tiny" keeps unit/integration tests fast (well under a second per
// training step on 2 cores); "small" (~20M parameters) is what `tuneforge bench trainer` measures at
// sequence length 256; "medium" has Llama-3.2-1B's layer shape (hidden 2048, 32 heads on 8 KV heads, MLP 8192)
// in 4 of its 16 layers, ~250M parameters and a 0.5 GB file: what loading and quantizing a real width costs.

export type Shape = {
  hidden: number;
  intermediate: number;
  layers: number;
  heads: number;
  kvHeads: number;
  maxPositions: number;
  merges: number;
  /** Each head's width; hidden / heads when absent (Qwen3 and Gemma 3 set their own: 128 over hidden 1024 and 16 heads, 256 over 1152 and 4). */
  headDim?: number;
};

export const PRESETS = {
  tiny: { hidden: 64, intermediate: 128, layers: 2, heads: 4, kvHeads: 4, maxPositions: 512, merges: 120 },
  small: { hidden: 512, intermediate: 1408, layers: 6, heads: 8, kvHeads: 8, maxPositions: 1024, merges: 120 },
  medium: { hidden: 2048, intermediate: 8192, layers: 4, heads: 32, kvHeads: 8, maxPositions: 2048, merges: 120 },
} satisfies Record<string, Shape>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];
