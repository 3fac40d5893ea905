import { isRecord } from "../types";

// What `content` may be, per role (reference §4 and the chat spec): a string, or a list of content parts.
// Only user messages may carry images ("no images in assistant messages"); system, assistant and tool
// messages take text parts only.

export type ContentProblem = { code: "missing_content" | "invalid_content" | "empty_content"; message: string; path: string };

function partProblem(part: unknown, role: string, at: string): ContentProblem | null {
  if (!isRecord(part)) return { code: "invalid_content", path: at, message: `${at} must be an object like {"type": "text", "text": "…"}` };
  if (part.type === "text") {
    if (typeof part.text !== "string") return { code: "invalid_content", path: at, message: `${at} is a text part without a "text" string` };
    return null;
  }
  if (part.type === "image_url") {
    if (role !== "user") return { code: "invalid_content", path: at, message: `${at}: only user messages may contain images, not ${role} messages` };
    const url = isRecord(part.image_url) ? part.image_url.url : undefined;
    if (typeof url !== "string" || !/^(https?:|data:image\/)/.test(url)) {
      return { code: "invalid_content", path: at, message: `${at} needs "image_url": {"url": "https://…" or "data:image/…;base64,…"}` };
    }
    // Vision fine-tuning takes JPEG, PNG or WEBP only (reference §4).
    if (url.startsWith("data:") && !/^data:image\/(jpeg|jpg|png|webp);base64,/.test(url)) {
      return { code: "invalid_content", path: at, message: `${at} is a ${url.slice(5, url.indexOf(";") > 0 ? url.indexOf(";") : 20)} data URL; fine-tuning takes JPEG, PNG or WEBP images (base64)` };
    }
    return null;
  }
  const type = typeof part.type === "string" ? `"${part.type}"` : "missing";
  return { code: "invalid_content", path: at, message: `${at} has type ${type}; fine-tuning accepts only "text" parts${role === "user" ? ' and "image_url" parts' : ""}` };
}

/** Image parts in a content value (vision examples may carry at most 10). */
export function imageCount(content: unknown): number {
  return Array.isArray(content) ? content.filter((p) => isRecord(p) && p.type === "image_url").length : 0;
}

/** Problems with a present, non-null content value (null/absent is the caller's call: it depends on tool calls). */
export function contentProblems(content: unknown, role: string, path: string): ContentProblem[] {
  if (typeof content === "string") {
    if (content === "") return [{ code: "missing_content", path, message: `${path} is empty; write the ${role} text` }];
    if (content.trim() === "") return [{ code: "empty_content", path, message: `${path} is only whitespace; write the ${role} text` }];
    return [];
  }
  if (Array.isArray(content)) {
    if (content.length === 0) return [{ code: "missing_content", path, message: `${path} is an empty list; give a string or at least one text part` }];
    const problems = content.flatMap((part, i) => partProblem(part, role, `${path}[${i}]`) ?? []);
    if (problems.length > 0) return problems;
    const text = content.map((p) => (isRecord(p) && typeof p.text === "string" ? p.text : isRecord(p) && p.type === "image_url" ? "x" : "")).join("");
    if (text.trim() === "") return [{ code: "empty_content", path, message: `${path} has only empty text parts; write the ${role} text` }];
    return [];
  }
  if (typeof content === "number" || typeof content === "boolean") {
    return [{ code: "invalid_content", path, message: `${path} is the ${typeof content} ${String(content)}; content must be a string, so quote it ("${String(content)}")` }];
  }
  return [{ code: "invalid_content", path, message: `${path} is an object; content must be a string or a list of content parts like [{"type": "text", "text": "…"}]` }];
}
