import { EmulatorError } from "./errors";

// OpenAI's cursor page: {object:"list", data, has_more, first_id, last_id}. `after` is the id of the last
// item the client saw (the SDK sends data[data.length-1].id), so the next page starts right after it.

export function cursorPage<T extends { id: string }>(items: readonly T[], query: URLSearchParams, defaultLimit: number, maxLimit = 100) {
  const limitRaw = query.get("limit");
  const limit = limitRaw === null ? defaultLimit : Number(limitRaw);
  if (!Number.isInteger(limit) || limit < 1 || limit > maxLimit) {
    throw new EmulatorError(400, `Invalid 'limit': expected an integer between 1 and ${maxLimit}.`, "invalid_request_error", "integer_out_of_range", "limit");
  }
  const after = query.get("after");
  let start = 0;
  if (after) {
    const i = items.findIndex((it) => it.id === after);
    start = i === -1 ? items.length : i + 1;
  }
  const data = items.slice(start, start + limit);
  return {
    object: "list" as const,
    data,
    has_more: start + limit < items.length,
    first_id: data[0]?.id ?? null,
    last_id: data[data.length - 1]?.id ?? null,
  };
}
