// OpenAI's fine-tuning wind-down in our words, appended to its 403 training_not_available message when a job
// fails with it (so the CLI and the API carry it too). Kept free of the SDK so browser code can import it.

export const WIND_DOWN_EXPLANATION =
  "OpenAI is winding down self-serve fine-tuning: organizations are being cut off in stages and no one can create new jobs after 2027-01-06. " +
  "Existing fine-tuned models keep working for inference. To keep training, use local training in tuneforge instead.";

/** The provider's own words from a stored error message, without the explanation appended to it. */
export function providerWordsOf(errorMessage: string): string {
  return errorMessage.replace(`\n\n${WIND_DOWN_EXPLANATION}`, "");
}
