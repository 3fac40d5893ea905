import { z } from "zod";
import { route } from "@/lib/http/route";
import { estimateAnyLaunch } from "@/lib/jobs/launch/dispatch";

// Any object: a half-filled form still gets an estimate, and its mistakes come back as issues, not a 400.
const body = z.record(z.string(), z.unknown(), { error: "send the launch form as a JSON object" });

// POST /api/jobs/estimate – what a launch would cost (openai: train tokens × epochs × price; local: tokens with
// the model's own tokenizer and template, steps) and what blocks it
export const POST = route({ body }, async ({ body }) => ({ estimate: await estimateAnyLaunch(body) }));
