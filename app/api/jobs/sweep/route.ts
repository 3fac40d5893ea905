import { created, route } from "@/lib/http/route";
import { launchLocalSweep } from "@/lib/jobs/launch/sweep";
import { z } from "zod";

const body = z.record(z.string(), z.unknown(), { error: "send the sweep as a JSON object: {launch, sweep: {field, values}}" });

// POST /api/jobs/sweep – {launch: <a local POST /api/jobs body>, sweep: {field: "lr", values: [1e-4, 2e-4, 5e-4]}}:
// one local job per value, all checked before any is launched; 201 {jobs}, or 4xx with every issue (by value).
export const POST = route({ body }, async ({ body }) => created({ jobs: await launchLocalSweep(body) }));
