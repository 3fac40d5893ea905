import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prisma } from "../db/client";
import { dataDir } from "../env";
import { makeVersion, removeVersions, type VersionFixture } from "../jobs/launch/test-support";
import { writeTinyModel } from "../testing/tiny-model";
import { loadChatTokenizer, parsePreferenceJsonl, readChatJsonl, tokenizeChat, tokenizeDataset, tokenizePreferenceDataset } from "../tokenizer";
import { GET as modelRoute } from "../../app/api/models/[name]/route";
import { POST as previewRoute } from "../../app/api/models/[name]/preview/route";
import { createRedis } from "../redis";
import { startHeartbeat, type Heartbeat } from "../workers/heartbeat";
import { deleteKeysUnder, uniquePrefix } from "../workers/testing";
import { estimateMemory } from "./memory";
import { estimateLocalTraining } from "./local-estimate";
import { previewForModel } from "./preview-request";
import { describeModel } from "./scan";

// The local estimate, the preview and their routes against a real frozen version (Postgres + files) and a generated model.

const db = prisma();
const root = fs.mkdtempSync(path.join(os.tmpdir(), "tf-estimate-models-"));
const fixtures: VersionFixture[] = [];
let fixture: VersionFixture;
/** A version of preference pairs (DPO): 8 training and 2 validation pairs. */
let pairs: VersionFixture;
let tinyParams = 0;

const redis = createRedis("client");
const prefix = uniquePrefix("models-api");
let heartbeat: Heartbeat;

beforeAll(async () => {
  // A worker with a 1 MiB "GPU" (nothing fits) on this host, whose RAM (everything fits) it reports too.
  heartbeat = await startHeartbeat({ redis, prefix, queues: ["gpu-jobs"], devices: [{ index: 0, name: "Test GPU", memoryMiB: 1 }] });
  tinyParams = writeTinyModel({ dir: path.join(root, "tiny-chat"), preset: "tiny", seed: 7 }).numParameters;
  fixture = await makeVersion(db, { train: 12, validation: 3 });
  pairs = await makeVersion(db, { train: 8, validation: 2, kind: "preference" });
  fixtures.push(fixture, pairs);
});
afterAll(async () => {
  await heartbeat.stop();
  await deleteKeysUnder(redis, prefix);
  await redis.quit();
  await removeVersions(db, fixtures);
  fs.rmSync(root, { recursive: true, force: true });
});

describe("estimateLocalTraining", () => {
  it("counts tokens per epoch with the model's tokenizer and derives the trainer's steps", async () => {
    const config = { training: { batchSize: 2, gradAccum: 2, epochs: 3, maxSeqLen: 4096 }, lora: { rank: 8 } };
    const e = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config }, modelsRoot: root, prefix });
    // The same counts through the CLI's path (tokenizeDataset over the frozen file).
    const chat = loadChatTokenizer(path.join(root, "tiny-chat"));
    const train = path.join(dataDir(), fixture.version.trainPath);
    const { report } = tokenizeDataset(chat, readChatJsonl(train), { maxSeqLen: 512, file: train });
    expect(e.seqLen).toBe(512); // clamped to max_position_embeddings
    expect(e.issues.map((i) => i.field)).toContain("config.training.maxSeqLen");
    expect(e.dataset).toMatchObject({ examples: 12, validationExamples: 3, tokensPerEpoch: report.tokens, trainedTokensPerEpoch: report.trainableTokens, rows: 12, skipped: 0 });
    // 12 rows / batch 2 = 6 micro-batches / accumulation 2 = 3 steps per epoch, × 3 epochs
    expect(e).toMatchObject({ stepsPerEpoch: 3, totalSteps: 9, method: "qlora" });
    expect(e.model.parameters).toBe(tinyParams);
    // Memory at the longest example's length (no packing), for the chosen rank.
    expect(e.memorySeqLen).toBe(e.dataset?.longest);
    const described = await describeModel({ name: "tiny-chat", dir: path.join(root, "tiny-chat") });
    const memoryInput = { shape: described.shape!, parameters: tinyParams, seqLen: e.dataset!.longest, batchSize: 2, lora: { rank: 8, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] as const } };
    expect(e.precision).toBe("bf16"); // backend auto: shown for a GPU
    const expected = (input: typeof memoryInput) => estimateMemory(input, "qlora");
    expect(e.memory.find((m) => m.method === "qlora")).toEqual(expected(memoryInput));
    // On the CPU backend everything but NF4 weights is fp32: more memory, and only RAM is a target.
    const cpu = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config: { ...config, training: { ...config.training, backend: "cpu" } } }, modelsRoot: root, prefix });
    expect(cpu.precision).toBe("fp32");
    const cpuQlora = estimateMemory({ ...memoryInput, precision: "fp32" }, "qlora");
    expect(cpu.memory.find((m) => m.method === "qlora")).toEqual(cpuQlora);
    // auto: the GPU (bf16 need) does not fit in 1 MiB, the RAM (fp32 need) does; cpu: RAM only. A GPU is judged on
    // the least the CUDA backend needs: checkpointed, which it turns on when a run without does not fit, and without
    // each layer's kept attention block, which it drops when short.
    const least = estimateMemory({ ...memoryInput, gradientCheckpointing: true, keepAttention: false }, "qlora");
    expect(least.total).toBeLessThan(expected(memoryInput).total);
    expect(e.fit.map((v) => [v.label, v.fits, v.needBytes, v.roomyBytes, v.shortOfRoom])).toEqual([
      ["GPU 0 · Test GPU", "no", least.total, expected(memoryInput).total, "checkpointing"],
      ["RAM", "yes", cpuQlora.total, undefined, undefined],
    ]);
    expect(cpu.fit.map((v) => [v.label, v.fits])).toEqual([["RAM", "yes"]]);
    // With gradient checkpointing the estimate shows what the trainer holds with room (each layer's attention output
    // kept), while a GPU is judged on the least it needs: the CUDA backend recomputes the attention when short.
    const ckpt = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config: { ...config, training: { ...config.training, gradientCheckpointing: true } } }, modelsRoot: root, prefix });
    const withRoom = estimateMemory({ ...memoryInput, gradientCheckpointing: true }, "qlora");
    expect(least.total).toBeLessThan(withRoom.total);
    expect(ckpt.memory.find((m) => m.method === "qlora")).toEqual(withRoom);
    expect(ckpt.fit.find((v) => v.kind === "gpu")).toMatchObject({ needBytes: least.total, roomyBytes: withRoom.total, shortOfRoom: "attention" });
  });

  it("re-counts truncation and skipped examples at another max_seq_len from the same tokenization", async () => {
    const chat = loadChatTokenizer(path.join(root, "tiny-chat"));
    const tokenized = readChatJsonl(path.join(dataDir(), fixture.version.trainPath)).map((ex) => tokenizeChat(chat, ex));
    const L = Math.round(tokenized.reduce((a, t) => a + t.tokens.length, 0) / tokenized.length) - 5; // cuts every example's tail
    const kept = tokenized.filter((t) => t.lossMask.slice(1, L).some((m) => m === 1));
    const e = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config: { training: { maxSeqLen: L } } }, modelsRoot: root });
    expect(e.dataset).toMatchObject({
      examples: kept.length,
      skipped: 12 - kept.length,
      tokensPerEpoch: kept.reduce((a, t) => a + Math.min(L, t.tokens.length), 0),
      truncatedExamples: kept.filter((t) => t.tokens.length > L).length,
    });
    expect(e.dataset!.truncatedExamples).toBeGreaterThan(0);
    // So short that no reply survives: every example is skipped, and the estimate says so.
    const none = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config: { training: { maxSeqLen: 8 } } }, modelsRoot: root });
    expect(none.dataset).toMatchObject({ examples: 0, skipped: 12, rows: 0 });
    expect(none.issues.map((i) => i.message).join(" ")).toMatch(/12 training examples have no trainable token within 8 tokens and are left out: line 1 \(/);
  });

  it("packs short examples into rows of max_seq_len", async () => {
    const e = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: fixture.version.id, config: { training: { packing: true, maxSeqLen: 512, batchSize: 1, gradAccum: 1, epochs: 1 } } }, modelsRoot: root });
    const perRow = Math.floor(512 / e.dataset!.longest);
    expect(e.dataset!.rows).toBeLessThanOrEqual(Math.ceil(12 / perRow));
    expect(e.dataset!.rows).toBeGreaterThanOrEqual(Math.ceil(e.dataset!.tokensPerEpoch / 512));
    expect(e.totalSteps).toBe(e.dataset!.rows);
    expect(e.memorySeqLen).toBe(512);
  });

  it("counts a preference version in pairs as the trainer tokenizes them, both answers of a pair in each pass, and refuses packing", async () => {
    const config = { training: { batchSize: 4, gradAccum: 1, epochs: 2, maxSeqLen: 512 }, lora: { rank: 8 } };
    const e = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: pairs.version.id, config }, modelsRoot: root, prefix });
    const chat = loadChatTokenizer(path.join(root, "tiny-chat"));
    const train = path.join(dataDir(), pairs.version.trainPath);
    const { report } = tokenizePreferenceDataset(chat, parsePreferenceJsonl(fs.readFileSync(train, "utf8"), train), { maxSeqLen: 512, file: train });
    expect(report.pairs).toBe(8);
    expect(e.issues).toEqual([]);
    expect(e.dataset).toMatchObject({ preference: true, examples: 8, validationExamples: 2, skipped: 0, rows: 8, tokensPerEpoch: report.tokens, trainedTokensPerEpoch: report.trainableTokens });
    // Steps count pairs: 8 pairs / 4 per micro-batch = 2 steps per epoch.
    expect(e).toMatchObject({ stepsPerEpoch: 2, totalSteps: 4 });
    // Memory: a DPO pass holds both answers of each pair of the micro-batch: 8 sequences for 4 pairs.
    const described = await describeModel({ name: "tiny-chat", dir: path.join(root, "tiny-chat") });
    const eight = { shape: described.shape!, parameters: tinyParams, seqLen: e.memorySeqLen, batchSize: 8, lora: { rank: 8, targets: ["q_proj", "k_proj", "v_proj", "o_proj"] as const } };
    expect(e.memory.find((m) => m.method === "qlora")).toEqual(estimateMemory(eight, "qlora"));

    // Packing would glue answers of different pairs into one row: refused, and the pairs are not packed.
    const packed = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: pairs.version.id, config: { ...config, training: { ...config.training, packing: true } } }, modelsRoot: root, prefix });
    expect(packed.issues).toEqual([{ field: "config.training.packing", message: expect.stringMatching(/^Packing does not apply to DPO/) }]);
    expect(packed.dataset).toMatchObject({ rows: 8 });

    // Too short for any answer: every pair is skipped as a whole, and counted once.
    const none = await estimateLocalTraining({ name: "tiny-chat", request: { datasetVersionId: pairs.version.id, config: { training: { maxSeqLen: 8 } } }, modelsRoot: root });
    expect(none.dataset).toMatchObject({ examples: 0, skipped: 8, rows: 0 });
  });

  it("says a Phi-3's fused module is adapted whole, and counts its LoRA as the trainer does", async () => {
    writeTinyModel({ dir: path.join(root, "tiny-phi3"), preset: "tiny", seed: 7, phi3: true });
    const part = await estimateLocalTraining({ name: "tiny-phi3", request: { datasetVersionId: fixture.version.id, config: { lora: { targets: ["gate_proj", "down_proj"] } } }, modelsRoot: root, prefix });
    expect(part.issues).toContainEqual({ field: "config.lora.targets", message: expect.stringMatching(/^tiny-phi3: this model computes gate_proj, up_proj in one module, gate_up_proj/) });
    const whole = await estimateLocalTraining({ name: "tiny-phi3", request: { datasetVersionId: fixture.version.id, config: { lora: { rank: 4, targets: ["q_proj", "k_proj", "v_proj"] } } }, modelsRoot: root, prefix });
    expect(whole.issues.map((i) => i.field)).not.toContain("config.lora.targets");
    // One qkv_proj adapter per layer: 4·(hidden + q + 2·kv) parameters, not three A matrices.
    const model = await describeModel({ name: "tiny-phi3", dir: path.join(root, "tiny-phi3") });
    const s = model.shape!;
    expect(whole.memory.find((m) => m.method === "qlora")!.trainableParameters).toBe(s.numLayers * 4 * (s.hiddenSize + (s.numHeads + 2 * s.numKvHeads) * s.headDim));
  });

  // LFM2 trains on the CUDA backend like the rest (its conv layers have kernels there): auto and cuda are estimated
  // in bf16 against the workers' GPUs too, with nothing to say about the backend.
  it("estimates an LFM2 for the GPU under auto and cuda, as any model", async () => {
    writeTinyModel({ dir: path.join(root, "tiny-lfm2"), preset: "tiny", seed: 7, lfm2: true });
    for (const backend of ["auto", "cuda"] as const) {
      const e = await estimateLocalTraining({ name: "tiny-lfm2", request: { datasetVersionId: fixture.version.id, config: { training: { backend } } }, modelsRoot: root, prefix });
      expect(e.precision).toBe("bf16");
      expect(e.fit.some((f) => f.label.startsWith("GPU 0"))).toBe(true);  // the heartbeat's 1 MiB "Test GPU"
      expect(e.issues.map((i) => i.field)).not.toContain("config.training.backend");
    }
  });

  it("names what a model folder lacks instead of counting nothing", async () => {
    const bare = path.join(root, "no-tokenizer");
    fs.mkdirSync(bare, { recursive: true });
    for (const f of ["config.json", "model.safetensors"]) fs.copyFileSync(path.join(root, "tiny-chat", f), path.join(bare, f));
    const e = await estimateLocalTraining({ name: "no-tokenizer", request: { datasetVersionId: fixture.version.id }, modelsRoot: root, prefix });
    expect(e.dataset).toBeNull();
    expect(e.issues.map((i) => i.message)).toEqual(expect.arrayContaining([expect.stringMatching(/no tokenizer\.json/), expect.stringMatching(/no chat template/)]));
    // The memory estimate needs only config.json and the weights' headers.
    expect(e.memory.map((m) => m.method)).toEqual(["qlora", "lora", "full"]);
  });

  it("refuses model names outside the models directory", async () => {
    await expect(estimateLocalTraining({ name: "../etc", request: {}, modelsRoot: root })).rejects.toThrow(/not a folder directly inside the models directory/);
    const res = await modelRoute(new Request("http://127.0.0.1:3000/api/models/x", { headers: { host: "127.0.0.1:3000" } }), { params: Promise.resolve({ name: "../../etc" }) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("model_outside_models_dir");
  });
});

describe("previewForModel", () => {
  it("previews a stored example by id, truncated at maxSeqLen", async () => {
    const example = await db.example.findFirstOrThrow({ where: { datasetId: fixture.datasetId }, orderBy: { position: "asc" } });
    const p = await previewForModel({ name: "tiny-chat", body: { exampleId: example.id, maxSeqLen: 20 }, modelsRoot: root });
    expect(p.example).toEqual({ id: example.id, datasetId: fixture.datasetId });
    expect(p.rendered).toContain("How do I reset the password of account number 0?");
    expect(p.tokens.filter((t) => !t.truncated)).toHaveLength(20);
    expect(p.counts.truncated).toBe(p.tokens.length - 20);
    await expect(previewForModel({ name: "tiny-chat", body: { exampleId: "missing" }, modelsRoot: root })).rejects.toThrow(/Example missing not found/);
  });

  it("previews a frozen version's example by its line, and names the valid range otherwise", async () => {
    const p = await previewForModel({ name: "tiny-chat", body: { versionExample: { datasetVersionId: fixture.version.id, split: "train", line: 3 } }, modelsRoot: root });
    expect(p.versionLine).toEqual({ line: 3, of: 12, split: "train" });
    expect(p.rendered).toContain("account number 2?");
    expect(p.counts.trained).toBeGreaterThan(0);
    await expect(previewForModel({ name: "tiny-chat", body: { versionExample: { datasetVersionId: fixture.version.id, split: "train", line: 13 } }, modelsRoot: root })).rejects.toThrow(/lines 1 to 12/);
  });
  it("previews a preference line as the trainer's preferred sequence: the prompt untrained, the preferred answer trained", async () => {
    const p = await previewForModel({ name: "tiny-chat", body: { versionExample: { datasetVersionId: pairs.version.id, split: "train", line: 2 } }, modelsRoot: root });
    expect(p.versionLine).toEqual({ line: 2, of: 8, split: "train" });
    expect(p.rendered).toContain("Summarize ticket 1 in one line.");
    expect(p.rendered).toContain("Ticket 1: customer cannot log in; reset sent.");
    expect(p.rendered).not.toContain("It is a ticket.");
    const trained = p.tokens.filter((t) => t.trained).map((t) => t.text).join("");
    expect(trained).toContain("Ticket 1: customer cannot log in; reset sent.");
    expect(trained).not.toContain("Summarize");
    // The same tokens and masks as the first sequence the trainer gets for that pair.
    const chat = loadChatTokenizer(path.join(root, "tiny-chat"));
    const train = path.join(dataDir(), pairs.version.trainPath);
    const { examples } = tokenizePreferenceDataset(chat, parsePreferenceJsonl(fs.readFileSync(train, "utf8"), train), { maxSeqLen: 4096, file: train });
    expect(p.tokens.map((t) => t.id)).toEqual(examples[2]!.tokens);
    expect(p.tokens.map((t) => (t.trained ? 1 : 0))).toEqual(examples[2]!.lossMask);
  });
});

describe("POST /api/models/[name]/preview", () => {
  const post = (name: string, body: unknown) =>
    previewRoute(new Request(`http://127.0.0.1:3000/api/models/${name}/preview`, { method: "POST", headers: { host: "127.0.0.1:3000", origin: "http://127.0.0.1:3000", "content-type": "application/json" }, body: JSON.stringify(body) }), {
      params: Promise.resolve({ name }),
    });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

  it("names the field when the body is wrong, and refuses names outside the models directory", async () => {
    let res = await post("tiny-chat", { messages: [{ role: "user", content: "hi" }], exampleId: "x" });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toMatch(/messages: send exactly one of messages, exampleId or versionExample/);
    res = await post("tiny-chat", { messages: [{ role: "user", content: "hi" }], maxSeqLen: 1 });
    expect((await errorOf(res)).message).toMatch(/maxSeqLen: maxSeqLen must be at least 2/);
    res = await post("..", { messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe("model_outside_models_dir");
  });
});
