import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { BadRequestError, NotFoundError, toFile } from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOpenAIEmulator, type OpenAIEmulator } from "./server";
import { chatJsonl, sdk } from "./test-helpers";

let emu: OpenAIEmulator;
beforeAll(async () => {
  emu = await startOpenAIEmulator({ manualClock: true });
});
afterAll(() => emu.close());

describe("OpenAI emulator: Files API through the SDK", () => {
  it("uploads a JSONL file (multipart), which becomes processed on the clock", async () => {
    const client = sdk(emu.url);
    const text = chatJsonl(12);
    const created = await client.files.create({ file: await toFile(Buffer.from(text), "train.jsonl"), purpose: "fine-tune" });
    expect(created).toMatchObject({ object: "file", bytes: Buffer.byteLength(text), filename: "train.jsonl", purpose: "fine-tune", status: "uploaded" });
    expect(created.id).toMatch(/^file-/);
    expect(created.created_at).toBe(Math.floor(emu.clock.now() / 1000));

    emu.advance(emu.state.timing.fileProcessingMs);
    expect((await client.files.retrieve(created.id)).status).toBe("processed");

    const content = await client.files.content(created.id);
    expect(await content.text()).toBe(text);
  });

  it("accepts a file streamed from disk with fs.createReadStream", async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "emu-files-")), "disk.jsonl");
    fs.writeFileSync(file, chatJsonl(20));
    const created = await sdk(emu.url).files.create({ file: fs.createReadStream(file), purpose: "fine-tune" });
    expect(created).toMatchObject({ filename: "disk.jsonl", bytes: fs.statSync(file).size });
    expect(emu.state.files.get(created.id)!.content.toString()).toBe(fs.readFileSync(file, "utf8"));
  });

  it("lists newest first with a purpose filter and cursor, and deletes", async () => {
    const client = sdk(emu.url);
    const a = await client.files.create({ file: await toFile(Buffer.from(chatJsonl(10)), "a.jsonl"), purpose: "fine-tune" });
    const b = await client.files.create({ file: await toFile(Buffer.from("{}"), "b.jsonl"), purpose: "batch" });
    const page = await client.files.list({ purpose: "fine-tune", limit: 1 });
    expect(page.data.map((f) => f.id)).toEqual([a.id]);
    expect(page.has_more).toBe(true);
    const all = [];
    for await (const f of client.files.list({ limit: 1 })) all.push(f.id);
    expect(all[0]).toBe(b.id);
    expect(all).toContain(a.id);

    expect(await client.files.delete(b.id)).toEqual({ id: b.id, object: "file", deleted: true });
    await expect(client.files.retrieve(b.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("rejects a fine-tune upload that is not .jsonl and a missing purpose", async () => {
    const client = sdk(emu.url);
    const err = await client.files.create({ file: await toFile(Buffer.from("x"), "data.csv"), purpose: "fine-tune" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    const raw = await fetch(`${emu.url}/files`, { method: "POST", headers: { Authorization: "Bearer sk-test-emu" }, body: (() => {
      const form = new FormData();
      form.append("file", new Blob(["{}"]), "x.jsonl");
      return form;
    })() });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as { error: { param: string } }).error.param).toBe("purpose");
  });
});
