import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scanModels } from "./scan";

describe("scanModels", () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "tuneforge-models-"));
    const llama = path.join(dir, "tiny-llama");
    await mkdir(llama);
    await writeFile(path.join(llama, "config.json"), JSON.stringify({ model_type: "llama", architectures: ["LlamaForCausalLM"] }));
    await writeFile(path.join(llama, "tokenizer.json"), "{}");
    await writeFile(path.join(llama, "tokenizer_config.json"), JSON.stringify({ chat_template: "{{ messages }}" }));

    const bare = path.join(dir, "bare");
    await mkdir(bare);
    await writeFile(path.join(bare, "config.json"), JSON.stringify({ model_type: "qwen2" }));
    await writeFile(path.join(bare, "chat_template.jinja"), "{{ messages }}");

    const broken = path.join(dir, "broken");
    await mkdir(broken);
    await writeFile(path.join(broken, "config.json"), "{not json");

    await mkdir(path.join(dir, "not-a-model"));
    await writeFile(path.join(dir, "notes.txt"), "hello");
    await symlink(llama, path.join(dir, "linked"));
  });

  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("lists folders with a config.json, sorted, following symlinks", async () => {
    const scan = await scanModels({ dir });
    expect(scan.exists).toBe(true);
    expect(scan.models.map((m) => m.name)).toEqual(["bare", "broken", "linked", "tiny-llama"]);
  });

  it("reports model type, architectures, tokenizer and chat template", async () => {
    const { models } = await scanModels({ dir });
    const llama = models.find((m) => m.name === "tiny-llama");
    expect(llama).toMatchObject({ modelType: "llama", architectures: ["LlamaForCausalLM"], hasTokenizer: true, hasChatTemplate: true });
    const bare = models.find((m) => m.name === "bare");
    expect(bare).toMatchObject({ modelType: "qwen2", architectures: [], hasTokenizer: false, hasChatTemplate: true });
    expect(models.find((m) => m.name === "broken")?.error).toMatch(/config\.json/);
  });

  it("says when the directory does not exist", async () => {
    const scan = await scanModels({ dir: path.join(dir, "missing") });
    expect(scan).toMatchObject({ exists: false, models: [] });
  });
});
