import type { PrismaClient } from "@prisma/client";

// Where the result of "Test connection" is kept. A stored credential keeps it on its own row; a key that
// comes from the environment has no row, so its result lives in app_state together with a fingerprint
// of the env configuration (never key material beyond the last four), and is ignored once that changes.

export type TestStatus = { at: Date | null; ok: boolean | null; message: string | null };

const ENV_TEST_KEY = "settings.openai.env_connection_test";

type Stored = { fingerprint: string; at: string; ok: boolean; message: string };

export async function readEnvTestStatus(db: PrismaClient, fingerprint: string): Promise<TestStatus | null> {
  const row = await db.appState.findUnique({ where: { key: ENV_TEST_KEY } });
  const v = row?.value as Stored | undefined;
  if (!v || v.fingerprint !== fingerprint) return null;
  return { at: new Date(v.at), ok: v.ok, message: v.message };
}

export async function writeEnvTestStatus(
  db: PrismaClient,
  fingerprint: string,
  status: { at: Date; ok: boolean; message: string },
): Promise<void> {
  const value: Stored = { fingerprint, at: status.at.toISOString(), ok: status.ok, message: status.message };
  await db.appState.upsert({ where: { key: ENV_TEST_KEY }, create: { key: ENV_TEST_KEY, value }, update: { value } });
}

export async function writeStoredTestStatus(
  db: PrismaClient,
  revision: Date,
  status: { at: Date; ok: boolean; message: string },
): Promise<void> {
  // Only if the credential is still the one that was tested: it may have been replaced or deleted while
  // the request was in flight, and a result must not be shown against a key it was not obtained with.
  await db.providerCredential.updateMany({
    where: { provider: "openai", updatedAt: revision },
    data: { lastTestedAt: status.at, lastTestOk: status.ok, lastTestMessage: status.message },
  });
}
