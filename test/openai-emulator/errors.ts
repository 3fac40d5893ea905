// OpenAI's error body (spec `ErrorResponse`): {"error":{"message","type","param","code"}}. The SDK reads
// these fields into APIError.{message,type,param,code}, so every failure the emulator returns uses it.

export type OpenAIErrorBody = {
  error: { message: string; type: string; param: string | null; code: string | null };
};

export class EmulatorError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = "invalid_request_error",
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = "EmulatorError";
  }

  toBody(): OpenAIErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidUrl = (method: string, path: string) =>
  new EmulatorError(404, `Invalid URL (${method} ${path})`);

export const notFound = (message: string, param: string | null = null, code: string | null = null) =>
  new EmulatorError(404, message, "invalid_request_error", code, param);
