import { HttpError } from "../../http/errors";

// A reason a launch cannot go ahead. `field` names the form field (or "dataset"/"credentials" for state the
// user fixes elsewhere); `message` says what is wrong and what to do.

export type LaunchIssue = { field: string; code: LaunchIssueCode; message: string };

export type LaunchIssueCode =
  | "invalid_field"
  | "provider_unsupported"
  | "version_not_found"
  | "version_unreadable"
  | "version_has_errors"
  | "too_few_examples"
  | "method_mismatch"
  | "openai_not_configured"
  | "invalid_hyperparameter"
  | "model_not_found";

// Problems with what was sent are 400; a missing version 404; state that must change first (the data, the
// settings) 409. The first issue decides, and every issue travels in details.
const STATUS: Record<LaunchIssueCode, number> = {
  invalid_field: 400,
  provider_unsupported: 400,
  invalid_hyperparameter: 400,
  method_mismatch: 400,
  model_not_found: 400,
  version_not_found: 404,
  version_unreadable: 409,
  version_has_errors: 409,
  too_few_examples: 409,
  openai_not_configured: 409,
};

export function launchRefused(issues: LaunchIssue[]): HttpError {
  const first = issues[0]!;
  const message =
    issues.length === 1 ? first.message : `${issues.length} problems block this launch: ${issues.map((i) => i.message).join(" ")}`;
  return new HttpError(STATUS[first.code], first.code, message, { issues });
}
