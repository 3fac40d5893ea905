import fs from "node:fs";
import path from "node:path";
import { readSafetensors, writeSafetensors } from "./safetensors";

/** The vision-side tensors the copy adds: parameter count 72 (a 40-wide norm and an 8×4 projection). */
export const TINY_VISION_PARAMETERS = 72;

type Outer = "Gemma3ForConditionalGeneration" | "Mistral3ForConditionalGeneration" | "Lfm2VlForConditionalGeneration";
const MODEL_TYPE: Record<Outer, string> = { Gemma3ForConditionalGeneration: "gemma3", Mistral3ForConditionalGeneration: "mistral3", Lfm2VlForConditionalGeneration: "lfm2-vl" };

/**
 * A text model folder (writeTinyModel) rewritten as its image-text checkpoint is published: config.json holds the text
 * model's config under text_config (the token ids and dtype stay outside), its decoder's tensors sit under `prefix`
 * (transformers 4.50's "language_model.model.", the hub's layout, an untied lm_head beside it at
 * "language_model.lm_head.weight"; or 4.52's "model.language_model.", lm_head at the top, LFM2-VL's layout), and a
 * (zero) vision tower and projector beside them (under "model." with the 4.52 layout). Tokenizer files are copied.
 */
export function writeImageText(textDir: string, outDir: string, outer: Outer, prefix = "language_model.model."): void {
  fs.mkdirSync(outDir, { recursive: true });
  const rename = (name: string) =>
    name === "lm_head.weight" ? (prefix === "language_model.model." ? "language_model.lm_head.weight" : name) : prefix + name.replace(/^model\./, "");
  const tensors = [...readSafetensors(path.join(textDir, "model.safetensors"))].map(([name, t]) => ({ name: rename(name), shape: t.shape, data: t.data }));
  const beside = prefix === "model.language_model." ? "model." : "";
  tensors.push({ name: `${beside}vision_tower.vision_model.post_layernorm.weight`, shape: [40], data: new Float32Array(40) });
  tensors.push({ name: `${beside}multi_modal_projector.mm_input_projection_weight`, shape: [8, 4], data: new Float32Array(32) });
  writeSafetensors(path.join(outDir, "model.safetensors"), tensors, "BF16");
  const text = JSON.parse(fs.readFileSync(path.join(textDir, "config.json"), "utf8")) as Record<string, unknown>;
  // Gemma 3's text_config is known by the outer class; Mistral 3's names its kind (ministral3 or mistral), LFM2-VL's too.
  const { architectures: _a, model_type, eos_token_id, bos_token_id, torch_dtype, ...rest } = text;
  const textConfig = outer === "Gemma3ForConditionalGeneration" ? rest : { model_type, ...rest };
  const config = { architectures: [outer], model_type: MODEL_TYPE[outer], eos_token_id, bos_token_id, torch_dtype, text_config: textConfig };
  fs.writeFileSync(path.join(outDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  for (const f of ["tokenizer.json", "tokenizer_config.json", "generation_config.json"]) fs.copyFileSync(path.join(textDir, f), path.join(outDir, f));
}

/** A Gemma 3 text folder (writeTinyModel({ gemma3: true })) as Gemma 3 from 4B up is published (writeImageText). */
export function writeImageTextGemma3(textDir: string, outDir: string, prefix = "language_model.model."): void {
  writeImageText(textDir, outDir, "Gemma3ForConditionalGeneration", prefix);
}
