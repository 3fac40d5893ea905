import { notFound } from "../errors";
import type { EmulatorRoute } from "../router";

// GET /v1/models and GET /v1/models/{model}, as documented: the list is {object:"list", data:[Model]}
// (not paginated); an unknown model is a 404 with code "model_not_found".

export const modelRoutes: EmulatorRoute[] = [
  {
    method: "GET",
    pattern: "/v1/models",
    handler: ({ state }) => ({ body: { object: "list", data: [...state.models.values()] } }),
  },
  {
    method: "GET",
    pattern: "/v1/models/:model",
    handler: ({ state, params }) => {
      const model = state.models.get(params.model!);
      if (!model) {
        throw notFound(`The model '${params.model}' does not exist`, "model", "model_not_found");
      }
      return { body: model };
    },
  },
];
