import { z } from "zod";

// Request bodies of the settings API (parsed by route() before any domain code runs).

const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

export const openAICredentialBody = z
  .object({
    /** Omit (or send "") to keep the stored key. */
    apiKey: z
      .string()
      .trim()
      .max(512)
      .refine((v) => !/\s/.test(v), "API key must not contain spaces")
      .optional(),
    baseUrl: optionalText(2048),
    organization: optionalText(256),
    project: optionalText(256),
  })
  .strict();

export const createTokenBody = z.object({ name: z.string().trim().min(1, "Give the token a name").max(100) }).strict();

export const tokenParams = z.object({ id: z.string().min(1) });
