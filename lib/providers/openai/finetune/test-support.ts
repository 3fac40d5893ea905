import type OpenAI from "openai";
import { createOpenAIClient } from "../client";

// Test-only: the real SDK client, built the way the app builds it, pointed at the in-repo emulator.
export function emulatorClient(url: string, maxRetries = 0): OpenAI {
  return createOpenAIClient(
    { source: "env", apiKey: "sk-test-finetune", baseUrl: url, organization: null, project: null, revision: null },
    { maxRetries, timeoutMs: 5000 },
  );
}
