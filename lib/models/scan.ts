import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { modelsDir } from "../env";
import { summarizeWeights } from "./safetensors-header";
import { shapeFromConfig, trainingContext, type ModelShape } from "./shape";
import { chooseChatTemplate } from "../tokenizer/template";

// Scan of the models directory: one level of sub-folders, each a Hugging Face model folder when it holds a
// config.json. Parameters and dtype come from the safetensors headers (never the weights), the rest from
// config.json; loading weights and tokenizers belongs to the trainer.

export type LocalModel = {
  name: string;
  path: string;
  modelType: string | null;
  architectures: string[];
  hasTokenizer: boolean;
  hasChatTemplate: boolean;
  /** The chat template reads `enable_thinking` (Qwen3): whether a reply thinks first can be switched off or on. */
  thinkingSwitch: boolean;
  /** architectures[0], e.g. "LlamaForCausalLM". */
  architecture: string | null;
  /**
   * Counted from the safetensors headers; null when no weights are readable. The text model's: an image-text
   * checkpoint's vision tower (visionParameters) is neither loaded nor trained, so memory estimates leave it out.
   */
  parameters: number | null;
  visionParameters?: number;
  /** The dtype of most weights (safetensors), else config.json's torch_dtype (transformers 5: dtype). */
  dtype: string | null;
  /** max_position_embeddings. */
  contextLength: number | null;
  shape: ModelShape | null;
  weightFiles: string[];
  /** Set when config.json exists but cannot be read as JSON. */
  error?: string;
  /** Set when the weights' headers cannot be read (the model is listed, but cannot train). */
  weightsError?: string;
};

export type ModelScan = { modelsDir: string; exists: boolean; models: LocalModel[] };

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

async function readJson(p: string): Promise<Record<string, unknown>> {
  const parsed: unknown = JSON.parse(await readFile(p, "utf8"));
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error(`${path.basename(p)} is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** The text of the chat template chat renders with (chooseChatTemplate's rule), or null when the folder has none. */
async function chatTemplateText(folder: string): Promise<string | null> {
  const configPath = path.join(folder, "tokenizer_config.json");
  const config = (await isFile(configPath)) ? await readJson(configPath).catch(() => ({})) : {};
  try {
    return chooseChatTemplate(folder, config).text || null;
  } catch {
    return null;
  }
}

async function describe(folder: string, name: string): Promise<LocalModel> {
  const template = await chatTemplateText(folder);
  const base = {
    name,
    path: folder,
    hasTokenizer: await isFile(path.join(folder, "tokenizer.json")),
    hasChatTemplate: template !== null,
    thinkingSwitch: template?.includes("enable_thinking") ?? false,
  };
  let weights: Awaited<ReturnType<typeof summarizeWeights>> = null;
  let weightsError: string | undefined;
  try {
    weights = await summarizeWeights(folder);
    if (!weights) weightsError = "no *.safetensors weights in the folder";
  } catch (err) {
    weightsError = (err as Error).message;
  }
  const vision = weights?.visionParameters ?? 0;
  const fromWeights = {
    parameters: weights ? weights.parameters - vision : null,
    weightFiles: weights?.files ?? [],
    ...(vision > 0 ? { visionParameters: vision } : {}),
    ...(weightsError ? { weightsError } : {}),
  };
  try {
    const config = await readJson(path.join(folder, "config.json"));
    const architectures = Array.isArray(config.architectures) ? config.architectures.filter((a): a is string => typeof a === "string") : [];
    const context = trainingContext(config);
    return {
      ...base,
      ...fromWeights,
      modelType: typeof config.model_type === "string" ? config.model_type : null,
      architectures,
      architecture: architectures[0] ?? null,
      // transformers 5 writes "dtype" where 4.x wrote "torch_dtype" (native/src/io/config.cc reads both too).
      dtype: weights?.dtype ?? [config.torch_dtype, config.dtype].find((d): d is string => typeof d === "string") ?? null,
      // What training and generation take: a window where it is not computed can be shorter than max_position_embeddings.
      contextLength: context,
      shape: shapeFromConfig(config),
    };
  } catch (err) {
    return { ...base, ...fromWeights, modelType: null, architectures: [], architecture: null, dtype: weights?.dtype ?? null, contextLength: null, shape: null, error: `config.json: ${(err as Error).message}` };
  }
}

/** One model folder's details, by a name already confined by resolveModelDir. */
export async function describeModel(resolved: { name: string; dir: string }): Promise<LocalModel> {
  return describe(resolved.dir, resolved.name);
}

/** Lists the model folders under the models directory (default: TUNEFORGE_MODELS_DIR), sorted by name. */
export async function scanModels(opts: { dir?: string } = {}): Promise<ModelScan> {
  const dir = opts.dir ?? modelsDir();
  let entries;
  try {
    // The models directory is chosen at run time; tell Turbopack not to trace the whole project for it.
    entries = await readdir(/*turbopackIgnore: true*/ dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { modelsDir: dir, exists: false, models: [] };
    throw err;
  }
  // Symlinked model folders are common (weights kept on another disk), so links are followed.
  const candidates = entries.filter((e) => (e.isDirectory() || e.isSymbolicLink()) && !e.name.startsWith(".")).map((e) => e.name);
  const models: LocalModel[] = [];
  for (const name of candidates.sort()) {
    const folder = path.join(/*turbopackIgnore: true*/ dir, name);
    if (await isFile(path.join(folder, "config.json"))) models.push(await describe(folder, name));
  }
  return { modelsDir: dir, exists: true, models };
}
