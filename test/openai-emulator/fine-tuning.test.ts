import { toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { chatJsonl, sdk } from "./test-helpers";

// A whole job on the manual clock: 20 examples × 3 epochs at batch 2 = 30 steps.

let emu: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
});
afterAll(() => emu.close());

async function upload(text: string, name = "train.jsonl") {
  return sdk(emu.url).files.create({ file: await toFile(Buffer.from(text), name), purpose: "fine-tune" });
}

const { validatingMs, queuedMs, stepMs } = { validatingMs: 2000, queuedMs: 2000, stepMs: 200 };

describe("OpenAI emulator: fine-tuning jobs through the SDK", () => {
  it("runs a job from validating_files to succeeded with events, metrics, checkpoints and a base64 results CSV", async () => {
    expect(emu.state.timing).toMatchObject({ validatingMs, queuedMs, stepMs });
    const client = sdk(emu.url);
    const train = await upload(chatJsonl(20));
    const valid = await upload(chatJsonl(10), "valid.jsonl");
    const job = await client.fineTuning.jobs.create({
      model: "gpt-4o-mini-2024-07-18",
      training_file: train.id,
      validation_file: valid.id,
      suffix: "support",
      seed: 7,
      metadata: { dashboard_run_id: "run-1" },
      method: { type: "supervised", supervised: { hyperparameters: { n_epochs: 3, batch_size: 2 } } },
    });
    expect(job).toMatchObject({
      object: "fine_tuning.job",
      status: "validating_files",
      error: {},
      fine_tuned_model: null,
      trained_tokens: null,
      result_files: [],
      seed: 7,
      metadata: { dashboard_run_id: "run-1" },
      hyperparameters: { n_epochs: 3, batch_size: 2, learning_rate_multiplier: "auto" },
    });
    expect(job.id).toMatch(/^ftjob-/);

    emu.advance(validatingMs);
    expect((await client.fineTuning.jobs.retrieve(job.id)).status).toBe("queued");
    emu.advance(queuedMs);
    const running = await client.fineTuning.jobs.retrieve(job.id);
    expect(running.status).toBe("running");
    expect(running.hyperparameters).toEqual({ n_epochs: 3, batch_size: 2, learning_rate_multiplier: 1.8 });
    expect(running.estimated_finish).toBe(Math.floor((emu.clock.now() + 30 * stepMs) / 1000));

    emu.advance(10 * stepMs);
    const partial = await client.fineTuning.jobs.listEvents(job.id, { limit: 1 });
    expect(partial.data[0]!.message).toMatch(/^Checkpoint created at step 10 with Snapshot ID: ft:.*:ckpt-step-10$/);

    emu.advance(20 * stepMs);
    const done = await client.fineTuning.jobs.retrieve(job.id);
    expect(done.status).toBe("succeeded");
    expect(done.error).toEqual({});
    expect(done.fine_tuned_model).toBe(`ft:gpt-4o-mini-2024-07-18:tuneforge-emulator:support:${job.id.slice(-8)}`);
    expect(done.trained_tokens).toBeGreaterThan(0);
    expect(done.finished_at).toBe(Math.floor(emu.clock.now() / 1000));
    expect(done.estimated_finish).toBeNull();

    // Events: newest first, paged with `after`.
    const all = [];
    for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 7 })) all.push(e);
    expect(all[0]!.message).toBe("The job has successfully completed");
    expect(all[1]!.message).toBe(`New fine-tuned model created: ${done.fine_tuned_model}`);
    expect(all.at(-1)!.message).toBe(`Created fine-tuning job: ${job.id}`);
    expect(all.at(-2)!.message).toBe(`Validating training file: ${train.id} and validation file: ${valid.id}`);
    expect(all.find((e) => e.message === "Fine-tuning job started")!.data).toBeNull();
    const times = all.map((e) => e.created_at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const metrics = all.filter((e) => e.type === "metrics").reverse();
    expect(metrics).toHaveLength(30);
    expect(Object.keys(metrics[0]!.data as object).sort()).toEqual(["step", "total_steps", "train_loss", "train_mean_token_accuracy"]);
    expect(Object.keys(metrics[9]!.data as object).sort()).toEqual([
      "full_valid_loss", "full_valid_mean_token_accuracy", "step", "total_steps", "train_loss", "train_mean_token_accuracy",
      "valid_loss", "valid_mean_token_accuracy",
    ]);
    expect(metrics[29]!.message).toMatch(/^Step 30\/30: training loss=\d\.\d\d, validation loss=\d\.\d\d, full validation loss=\d\.\d\d$/);
    const loss = metrics.map((e) => (e.data as { train_loss: number }).train_loss);
    expect(loss.slice(-5).reduce((a, b) => a + b) / 5).toBeLessThan(loss.slice(0, 5).reduce((a, b) => a + b) / 5 * 0.6);

    // Checkpoints: one per epoch, newest first; the newest is the final model.
    const ckpts = await client.fineTuning.jobs.checkpoints.list(job.id);
    expect(ckpts.data.map((c) => c.step_number)).toEqual([30, 20, 10]);
    expect(ckpts.data[0]!.fine_tuned_model_checkpoint).toBe(done.fine_tuned_model);
    expect(ckpts.data[1]!.fine_tuned_model_checkpoint).toBe(`${done.fine_tuned_model}:ckpt-step-20`);
    expect(ckpts.data[1]!.id).toMatch(/^ftckpt_/);
    expect(ckpts.data[1]!.metrics.full_valid_loss).toEqual(expect.any(Number));

    // The results file is base64 of the CSV.
    const [resultId] = done.result_files;
    const resultFile = await client.files.retrieve(resultId!);
    expect(resultFile).toMatchObject({ purpose: "fine-tune-results", status: "processed" });
    const body = await (await client.files.content(resultId!)).text();
    expect(body.startsWith("step,")).toBe(false);
    const csv = Buffer.from(body, "base64").toString("utf8").trim().split("\n");
    expect(csv[0]).toBe("step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy");
    expect(csv).toHaveLength(31);
    expect(csv[1]).toMatch(/^1,[\d.]+,[\d.]+,,$/);
    expect(csv[10]).toMatch(/^10,[\d.]+,[\d.]+,[\d.]+,[\d.]+$/);
  });

  it("resolves 'auto' hyperparameters only once running, and gives the same loss curve for the same seed", async () => {
    const client = sdk(emu.url);
    const train = await upload(chatJsonl(10));
    const make = () => client.fineTuning.jobs.create({ model: "gpt-4.1-nano-2025-04-14", training_file: train.id, seed: 3 });
    const [a, b] = [await make(), await make()];
    expect(a.hyperparameters).toEqual({ n_epochs: "auto", batch_size: "auto", learning_rate_multiplier: "auto" });
    expect(a.fine_tuned_model).toBeNull();
    emu.advance(validatingMs + queuedMs);
    const ra = await client.fineTuning.jobs.retrieve(a.id);
    expect(ra.hyperparameters).toEqual({ n_epochs: 10, batch_size: 1, learning_rate_multiplier: 1 }); // as observed for 4.1-nano, 10 examples
    emu.advance(100 * stepMs);
    const lossOf = async (id: string) =>
      (await client.fineTuning.jobs.listEvents(id, { limit: 100 })).data.filter((e) => e.type === "metrics").map((e) => (e.data as { train_loss: number }).train_loss);
    expect(await lossOf(a.id)).toEqual(await lossOf(b.id));
    expect((await client.fineTuning.jobs.retrieve(b.id)).fine_tuned_model).toMatch(/^ft:gpt-4\.1-nano-2025-04-14:tuneforge-emulator::/);
  });

  it("lists jobs newest first, filtered by metadata, with cursor paging", async () => {
    const client = sdk(emu.url);
    const train = await upload(chatJsonl(10));
    const tagged = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: train.id, metadata: { dashboard_run_id: "run-find-me" } });
    await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: train.id, metadata: { dashboard_run_id: "other" } });
    const found = await client.fineTuning.jobs.list({ metadata: { dashboard_run_id: "run-find-me" } });
    expect(found.data.map((j) => j.id)).toEqual([tagged.id]);
    expect(found.has_more).toBe(false);
    const first = await client.fineTuning.jobs.list({ limit: 1 });
    expect(first.has_more).toBe(true);
    const second = await first.getNextPage();
    expect(second.data[0]!.id).toBe(tagged.id);
  });

  it("cancels a running job and refuses to cancel it twice", async () => {
    const client = sdk(emu.url);
    const train = await upload(chatJsonl(40));
    const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: train.id });
    emu.advance(validatingMs + queuedMs + 5 * stepMs);
    const cancelled = await client.fineTuning.jobs.cancel(job.id);
    expect(cancelled.status).toBe("cancelled");
    emu.advance(1000 * stepMs);
    const after = await client.fineTuning.jobs.retrieve(job.id);
    expect(after).toMatchObject({ status: "cancelled", fine_tuned_model: null });
    expect((await client.fineTuning.jobs.listEvents(job.id, { limit: 1 })).data[0]!.message).toBe("Fine-tuning job cancelled");
    await expect(client.fineTuning.jobs.cancel(job.id)).rejects.toMatchObject({ status: 400 });
  });

  it("fails a job whose file is invalid or too small, with OpenAI's codes", async () => {
    const client = sdk(emu.url);
    const small = await upload(chatJsonl(7));
    const broken = await upload(chatJsonl(11).replace('{"role":"user"', '{"content_only":"user"'));
    const a = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: small.id });
    const b = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: broken.id });
    const dpo = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: (await upload(chatJsonl(10))).id, method: { type: "dpo" } });
    emu.advance(validatingMs);
    expect((await client.fineTuning.jobs.retrieve(a.id))).toMatchObject({
      status: "failed", finished_at: null,
      error: { code: "invalid_n_examples", message: "Training file has 7 example(s), but must have at least 10 examples", param: "training_file" },
    });
    expect((await client.fineTuning.jobs.retrieve(b.id)).error).toMatchObject({
      code: "invalid_training_file",
      message: "The job failed due to an invalid training file. Invalid file format. Example 1, message 2 Discriminator 'role' is missing in value",
    });
    expect((await client.fineTuning.jobs.retrieve(dpo.id)).error?.message).toMatch(/not using 'supervised' as the training method \(provided method=dpo\)/);
  });

  it("rejects unknown files and models at create time", async () => {
    const client = sdk(emu.url);
    await expect(client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: "file-nope" })).rejects.toMatchObject({ status: 400, param: "training_file" });
    const train = await upload(chatJsonl(10));
    await expect(client.fineTuning.jobs.create({ model: "gpt-9", training_file: train.id })).rejects.toMatchObject({ status: 400, code: "model_not_available" });
    await expect(client.fineTuning.jobs.retrieve("ftjob-nope")).rejects.toMatchObject({ status: 404 });
  });
});

describe("OpenAI emulator: real clock (e2e and demos)", () => {
  it("advances a job on wall time when no manual clock is asked for", async () => {
    const real = await startOpenAIEmulator({ timing: { fileProcessingMs: 5, validatingMs: 20, queuedMs: 20, stepMs: 5 } });
    try {
      expect(real.clock.manual).toBe(false);
      expect(() => real.advance(1)).toThrow(/manual clock/);
      const client = sdk(real.url);
      const file = await client.files.create({ file: await toFile(Buffer.from(chatJsonl(10)), "t.jsonl"), purpose: "fine-tune" });
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id, hyperparameters: { n_epochs: 2 } });
      let status = job.status;
      const deadline = Date.now() + 1500;
      while (status !== "succeeded" && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        status = (await client.fineTuning.jobs.retrieve(job.id)).status;
      }
      expect(status).toBe("succeeded");
      expect((await client.fineTuning.jobs.checkpoints.list(job.id)).data.map((c) => c.step_number)).toEqual([20, 10]);
    } finally {
      await real.close();
    }
  });
});

describe("OpenAI emulator: create-time checks", () => {
  it("rejects metadata values that are too long, and echoes integrations", async () => {
    const c = await startOpenAIEmulator({ manualClock: true });
    try {
      const client = sdk(c.url);
      const file = await client.files.create({ file: await toFile(Buffer.from(chatJsonl(10)), "t.jsonl"), purpose: "fine-tune" });
      await expect(client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id, metadata: { k: "x".repeat(513) } }))
        .rejects.toMatchObject({ status: 400, param: "metadata" });
      const integrations = [{ type: "wandb" as const, wandb: { project: "tuneforge" } }];
      const job = await client.fineTuning.jobs.create({ model: "gpt-4o-mini-2024-07-18", training_file: file.id, integrations });
      expect(job.integrations).toEqual(integrations);
    } finally {
      await c.close();
    }
  });
});
