import { prisma } from "../../db/client";
import { env as defaultEnv } from "../../env";
import { envFingerprint, resolveOpenAIConfig, type SettingsOptions } from "../../settings/credentials";
import { writeEnvTestStatus, writeStoredTestStatus } from "../../settings/test-status";
import { createOpenAIClient, effectiveBaseUrl } from "./client";
import { describeOpenAIError } from "./describe-error";

// "Test connection" in Settings: one models.list() through the real SDK with the effective configuration.
// No retries and a short timeout, so a wrong URL answers in seconds; the result is remembered for the view.

export type ConnectionTestResult = { ok: boolean; message: string; latencyMs: number; modelCount?: number };

export async function testOpenAIConnection(
  opts: SettingsOptions & { timeoutMs?: number } = {},
): Promise<ConnectionTestResult> {
  const db = opts.db ?? prisma();
  const e = opts.env ?? defaultEnv();
  const config = await resolveOpenAIConfig({ db, env: e });
  if (!config) {
    return { ok: false, message: "No OpenAI API key is configured. Add one in Settings or set OPENAI_API_KEY.", latencyMs: 0 };
  }
  const baseUrl = effectiveBaseUrl(config);
  const client = createOpenAIClient(config, { timeoutMs: opts.timeoutMs ?? 10_000, maxRetries: 0 });

  const started = performance.now();
  let result: ConnectionTestResult;
  try {
    const page = await client.models.list();
    const latencyMs = Math.round(performance.now() - started);
    const modelCount = page.data.length;
    result = {
      ok: true,
      message: `Connected to ${baseUrl} in ${latencyMs} ms; ${modelCount} model${modelCount === 1 ? "" : "s"} available.`,
      latencyMs,
      modelCount,
    };
  } catch (err) {
    result = { ok: false, message: describeOpenAIError(err, baseUrl), latencyMs: Math.round(performance.now() - started) };
  }

  const status = { at: new Date(), ok: result.ok, message: result.message };
  if (config.source === "database" && config.revision) await writeStoredTestStatus(db, config.revision, status);
  else await writeEnvTestStatus(db, envFingerprint(e), status);
  return result;
}
