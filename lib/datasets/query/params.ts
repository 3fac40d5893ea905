import { z } from "zod";
import { ISSUE_CODES, type IssueCode } from "../validate/codes";

// The examples table's query: paging, sort and filters, as the API receives them (URL search params, all
// strings) and as listExamples takes them. One zod schema serves both, so the route, the lib and the UI's
// URL state agree on names and limits.

export const SORT_KEYS = ["position", "tokens", "prompt", "reply", "messages", "issues", "split", "updated"] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const SORT_DIRS = ["asc", "desc"] as const;
export type SortDir = (typeof SORT_DIRS)[number];
export const SPLITS = ["train", "validation", "test"] as const;
export const STATUSES = ["errors", "warnings", "clean"] as const;

export const MAX_LIMIT = 200;
export const DEFAULT_LIMIT = 50;
/** Trigram search needs 3 characters to use its index; shorter words only narrow a longer one. */
export const MIN_SEARCH_WORD = 3;
const MAX_TOKENS = 10_000_000;

const ISSUE_CODE_KEYS = Object.keys(ISSUE_CODES) as [IssueCode, ...IssueCode[]];

/** Search words: whitespace-separated, each must appear (AND), case-insensitive, anywhere in the text. */
export function searchWords(q: string): string[] {
  return q.trim().split(/\s+/).filter(Boolean);
}

const tokenBound = z.coerce
  .number({ message: "must be a whole number of tokens" })
  .int("must be a whole number of tokens")
  .min(0, "must be 0 or more")
  .max(MAX_TOKENS, `must be at most ${MAX_TOKENS}`);

/** "true"/"1" → true, "false"/"0"/"" → false; anything else is an error rather than a silent false. */
const booleanParam = z.enum(["true", "false", "1", "0", ""], { message: "must be true or false" }).transform((v) => v === "true" || v === "1");

/** An empty search param (a cleared select) means "no filter". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema.optional());

/**
 * GET /api/datasets/[id]/examples search params, flat as in the URL (so a 400 names the param, e.g.
 * "maxTokens: must be at least minTokens"), turned into listExamples' { offset, limit, sort, dir, filters }.
 */
export const examplesQueryParamsSchema = z
  .object({
    offset: optional(z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(0, "must be 0 or more")),
    limit: optional(
      z.coerce.number({ message: "must be a number" }).int("must be a whole number").min(1, "must be at least 1").max(MAX_LIMIT, `must be at most ${MAX_LIMIT}`),
    ),
    sort: optional(z.enum(SORT_KEYS, { message: `must be one of ${SORT_KEYS.join(", ")}` })),
    dir: optional(z.enum(SORT_DIRS, { message: "must be asc or desc" })),
    split: optional(z.enum(SPLITS, { message: "must be train, validation or test" })),
    tag: optional(z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters")),
    code: optional(z.enum(ISSUE_CODE_KEYS, { message: "must be a known issue code (see Validation codes in the README)" })),
    status: optional(z.enum(STATUSES, { message: "must be errors, warnings or clean" })),
    duplicates: booleanParam.optional(),
    minTokens: optional(tokenBound),
    maxTokens: optional(tokenBound),
    q: z
      .string()
      .max(200, "must be at most 200 characters")
      .transform((s) => s.trim())
      .refine((s) => s === "" || searchWords(s).some((w) => w.length >= MIN_SEARCH_WORD), {
        message: `type at least ${MIN_SEARCH_WORD} characters in one word to search`,
      })
      .optional(),
  })
  .refine((f) => f.minTokens === undefined || f.maxTokens === undefined || f.minTokens <= f.maxTokens, {
    message: "must be at least minTokens",
    path: ["maxTokens"],
  })
  .transform(({ offset, limit, sort, dir, duplicates, q, ...filters }) => ({
    offset: offset ?? 0,
    limit: limit ?? DEFAULT_LIMIT,
    sort: sort ?? "position",
    dir: dir ?? "asc",
    filters: { ...filters, ...(duplicates ? { duplicates } : {}), ...(q ? { q } : {}) } as ExampleFilters,
  }));

export type ExampleFilters = {
  split?: (typeof SPLITS)[number];
  tag?: string;
  code?: IssueCode;
  status?: (typeof STATUSES)[number];
  /** Only rows flagged exact_duplicate or near_duplicate. */
  duplicates?: boolean;
  minTokens?: number;
  maxTokens?: number;
  /** Search text; see searchWords. */
  q?: string;
};

export type ExamplesQuery = z.output<typeof examplesQueryParamsSchema>;
