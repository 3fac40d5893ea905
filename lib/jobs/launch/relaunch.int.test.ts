import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "@prisma/client";
import { prisma } from "@/lib/db/client";
import { DEFAULT_LOCAL_CONFIG, localConfigSchema } from "../local/config";
import { storedLocalConfig } from "../local/stored";
import { relaunchDraft } from "./relaunch";
import { makeVersion, removeVersions, type VersionFixture } from "./test-support";

// "Launch again" reads a job's row back into a launch: what each kind of job row holds (a local job's stored
// config, an OpenAI job's requested hyperparameters, an attached job's resolved ones) and what the copy cannot carry.

const db = prisma();
let fixture: VersionFixture;
const made: string[] = [];

async function job(data: Omit<Prisma.FineTuneJobUncheckedCreateInput, "status">): Promise<string> {
  const row = await db.fineTuneJob.create({ data: { status: "succeeded", ...data } });
  made.push(row.id);
  return row.id;
}

beforeAll(async () => {
  fixture = await makeVersion(db, { train: 4, validation: 2 });
});

afterAll(async () => {
  await db.fineTuneJob.deleteMany({ where: { id: { in: made } } });
  await removeVersions(db, [fixture]);
  await db.$disconnect();
});

describe("relaunchDraft", () => {
  it("gives a local job's whole configuration, its version, model and suffix", async () => {
    const config = localConfigSchema.parse({
      lora: { rank: 32, alpha: 64, rslora: true, targets: ["q_proj", "v_proj"] },
      quantization: { quant: "none" },
      training: { epochs: 5, lr: 1e-4, schedule: "linear", earlyStoppingPatience: 3, keepBest: true, seed: 9 },
    });
    const id = await job({ provider: "local", baseModel: "SmolLM2-135M-Instruct", datasetVersionId: fixture.version.id, suffix: "try-1", seed: 9, ...storedLocalConfig(config) });
    const draft = await relaunchDraft(id);
    expect(draft).toMatchObject({
      provider: "local",
      datasetVersionId: fixture.version.id,
      baseModel: "SmolLM2-135M-Instruct",
      suffix: "try-1",
      notes: [],
      from: { id, provider: "local", status: "succeeded", datasetLabel: `${fixture.datasetName} v${fixture.version.number}` },
    });
    expect(draft?.provider === "local" && draft.config).toEqual(config);
  });

  it("fills settings added since an older local job was launched with their defaults, as its run did", async () => {
    // Stored before early stopping existed: no such keys in its hyperparameters.
    const id = await job({ provider: "local", baseModel: "m", datasetVersionId: fixture.version.id, loraConfig: { lora: { rank: 8 } }, hyperparameters: { epochs: 2, lr: 0.001 } });
    const draft = await relaunchDraft(id);
    expect(draft?.provider === "local" && draft.config).toEqual({
      ...DEFAULT_LOCAL_CONFIG,
      lora: { ...DEFAULT_LOCAL_CONFIG.lora, rank: 8 },
      training: { ...DEFAULT_LOCAL_CONFIG.training, epochs: 2, lr: 0.001 },
    });
    expect(draft?.notes).toEqual([]);
  });

  it("starts a local job whose stored settings cannot be read from the defaults, and says why", async () => {
    const id = await job({ provider: "local", baseModel: "m", datasetVersionId: fixture.version.id, loraConfig: { lora: { rank: 0 } }, hyperparameters: {} });
    const draft = await relaunchDraft(id);
    expect(draft?.provider === "local" && draft.config).toEqual(DEFAULT_LOCAL_CONFIG);
    expect(draft?.notes).toEqual(["The job's stored settings could not be read (lora.rank: rank must be 1 to 1024), so the form starts from the defaults."]);
  });

  it("gives an OpenAI job what it asked for: auto where it asked for nothing", async () => {
    const id = await job({ provider: "openai", method: "dpo", baseModel: "gpt-4o-mini-2024-07-18", datasetVersionId: fixture.version.id, hyperparameters: { nEpochs: 3, beta: 0.2 }, suffix: "s", seed: 42, estimatedEpochs: 3 });
    expect(await relaunchDraft(id)).toMatchObject({ provider: "openai", method: "dpo", hyperparameters: { nEpochs: 3, beta: 0.2 }, suffix: "s", seed: 42, epochsRun: 3, notes: [] });
    const draft = await relaunchDraft(id);
    expect(draft?.provider === "openai" && Object.keys(draft.hyperparameters).sort()).toEqual(["beta", "nEpochs"]);
  });

  it("gives an attached job OpenAI's resolved hyperparameters, with no version, and says both", async () => {
    const id = await job({
      provider: "openai",
      attached: true,
      remoteJobId: `ftjob-relaunch-${Date.now()}`,
      baseModel: "gpt-4o-mini-2024-07-18",
      hyperparameters: { n_epochs: 4, batch_size: 1, learning_rate_multiplier: 1.8 },
    });
    const draft = await relaunchDraft(id);
    expect(draft).toMatchObject({ provider: "openai", datasetVersionId: null, hyperparameters: { nEpochs: 4, batchSize: 1, learningRateMultiplier: 1.8 }, from: { datasetLabel: null } });
    expect(draft?.notes).toEqual([
      "The job was attached by its OpenAI id, so it has no dataset version here: pick the one to train on.",
      'Its hyperparameters are the ones OpenAI resolved for it (an "auto" shows as the number OpenAI chose).',
    ]);
  });

  it("asks for a version when the job's is gone, and answers null for an unknown job", async () => {
    const id = await job({ provider: "openai", baseModel: "gpt-4o-mini-2024-07-18", datasetVersionId: null, hyperparameters: {} });
    expect(await relaunchDraft(id)).toMatchObject({ datasetVersionId: null, hyperparameters: {}, notes: ["The job's dataset version no longer exists: pick the one to train on."] });
    expect(await relaunchDraft("no-such-job")).toBeNull();
  });
});
