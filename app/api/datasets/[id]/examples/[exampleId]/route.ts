import { z } from "zod";
import { deleteExample, examplePatchShape, getExample, updateExample } from "@/lib/datasets/edit";
import { route } from "@/lib/http/route";

const params = z.object({ id: z.string().min(1), exampleId: z.string().min(1) });
const patchBody = examplePatchShape.extend({
  /** The updatedAt the editor loaded; a row changed since is refused with 409 instead of overwritten. */
  expectedUpdatedAt: z.iso.datetime({ error: "expectedUpdatedAt must be the ISO time the example was loaded at" }).optional(),
});

// GET /api/datasets/[id]/examples/[exampleId] – the whole example for the editor
export const GET = route({ params }, async ({ params }) => ({ example: await getExample({ datasetId: params.id, exampleId: params.exampleId }) }));

// PATCH /api/datasets/[id]/examples/[exampleId] – save an edit; the answer carries the row's fresh findings
export const PATCH = route({ params, body: patchBody }, async ({ params, body }) => {
  const { expectedUpdatedAt, ...patch } = body;
  return { example: await updateExample({ datasetId: params.id, exampleId: params.exampleId, patch, expectedUpdatedAt }) };
});

// DELETE /api/datasets/[id]/examples/[exampleId] – delete one example (undoable through the returned batch)
export const DELETE = route({ params }, async ({ params }) => deleteExample({ datasetId: params.id, exampleId: params.exampleId }));
