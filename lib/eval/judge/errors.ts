/** The judge's reply did not say who won (or what score); the message quotes the reply so it can be read. */
export class JudgeParseError extends Error {
  constructor(
    what: string,
    readonly raw: string,
  ) {
    const shown = raw.length > 500 ? `${raw.slice(0, 500)}…` : raw;
    super(`could not read ${what} from the judge's reply: ${JSON.stringify(shown)}`);
    this.name = "JudgeParseError";
  }
}
