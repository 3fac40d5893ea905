import type { ChatTokenizer } from "./chat-tokenizer";

// Turns a stream of generated token ids into text, one prompt at a time: holds back a trailing partial
// UTF-8 character (decoded as U+FFFD) and any tail that could still become a stop string, so what it emits
// never has to be taken back. The trainer handles stop *tokens*; stop *strings* need decoded text, so they
// are found here and the caller cancels generation once every prompt has stopped.

export class StreamDecoder {
  private ids: number[] = [];
  private emitted = 0; // characters of the decoded text already handed out
  stopped = false;
  /** The full text up to (not including) the stop string, once stopped. */
  text = "";

  constructor(
    private readonly chat: Pick<ChatTokenizer, "decode">,
    private readonly stopStrings: string[] = [],
  ) {}

  /** Adds a token; returns the newly safe text (possibly ""). After a stop string, returns "" forever. */
  push(id: number): string {
    if (this.stopped) return "";
    this.ids.push(id);
    let decoded = this.chat.decode(this.ids);
    for (const s of this.stopStrings) {
      const at = s ? decoded.indexOf(s) : -1;
      if (at >= 0) {
        this.stopped = true;
        decoded = decoded.slice(0, at);
        break;
      }
    }
    let safe = decoded.length;
    if (!this.stopped) {
      if (decoded.endsWith("\uFFFD")) safe--;
      // Keep back the longest tail that is a proper prefix of some stop string.
      for (const s of this.stopStrings) {
        for (let k = Math.min(s.length - 1, decoded.length); k > 0; k--) {
          if (decoded.endsWith(s.slice(0, k))) {
            safe = Math.min(safe, decoded.length - k);
            break;
          }
        }
      }
    }
    this.text = decoded;
    const out = decoded.slice(this.emitted, Math.max(this.emitted, safe));
    this.emitted = Math.max(this.emitted, safe);
    return out;
  }

  /** Whatever was held back, at the end of generation (not a stop-string prefix after all). */
  flush(): string {
    const decoded = this.stopped ? this.text : this.chat.decode(this.ids);
    this.text = decoded;
    const out = decoded.slice(this.emitted);
    this.emitted = decoded.length;
    return out;
  }
}
