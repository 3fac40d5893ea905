import fs from "node:fs";
import path from "node:path";
import { readSafetensors, writeSafetensors } from "./safetensors";

/** The vision-side tensors the copy adds: parameter count 72 (a 40-wide norm and an 8×4 projection). */
export const TINY_VISION_PARAMETERS = 72;

/**
 * A Gemma 3 text folder (writeTinyModel({ gemma3: true })) rewritten as Gemma 3 from 4B up is published: a
 * Gemma3ForConditionalGeneration whose config.json holds the text model's under text_config, its decoder's tensors under
 * `prefix` (transformers 4.50's "language_model.model.", the hub's layout), and a (zero) vision tower and projector
 * beside them. Tokenizer files are copied.
 */
export function writeImageTextGemma3(textDir: string, outDir: string, prefix = "language_model.model."): void {
  fs.mkdirSync(outDir, { recursive: true });
  const tensors = [...readSafetensors(path.join(textDir, "model.safetensors"))].map(([name, t]) => ({ name: prefix + name.replace(/^model\./, ""), shape: t.shape, data: t.data }));
  tensors.push({ name: "vision_tower.vision_model.post_layernorm.weight", shape: [40], data: new Float32Array(40) });
  tensors.push({ name: "multi_modal_projector.mm_input_projection_weight", shape: [8, 4], data: new Float32Array(32) });
  writeSafetensors(path.join(outDir, "model.safetensors"), tensors, "BF16");
  const text = JSON.parse(fs.readFileSync(path.join(textDir, "config.json"), "utf8")) as Record<string, unknown>;
  const { architectures: _a, model_type: _m, eos_token_id, bos_token_id, torch_dtype, ...textConfig } = text;
  const config = { architectures: ["Gemma3ForConditionalGeneration"], model_type: "gemma3", eos_token_id, bos_token_id, torch_dtype, text_config: textConfig };
  fs.writeFileSync(path.join(outDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) fs.copyFileSync(path.join(textDir, f), path.join(outDir, f));
}
