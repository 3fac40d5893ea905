import { daysUntilOpenAIShutdown } from "@/lib/overview/wind-down";
import { Notice } from "../ui/Notice";

/**
 * OpenAI is winding down self-serve fine-tuning. Rendered per request, so the count follows the real date.
 * This is also why tuneforge keeps datasets provider-neutral and trains locally too.
 */
export function WindDownBanner() {
  const days = daysUntilOpenAIShutdown();
  const title =
    days > 0
      ? `OpenAI stops accepting new fine-tuning jobs on 6 January 2027 — ${days === 1 ? "1 day" : `${days} days`} left.`
      : "OpenAI no longer accepts new fine-tuning jobs (since 6 January 2027).";
  return (
    <Notice tone="warn" live={false} title={title}>
      <p>
        Organisations that never fine-tuned, or have not used a fine-tuned model in 60 days, may already be refused
        (error <code>training_not_available</code>). Models you already trained stay available for inference. Your
        datasets live in your own database, so they can train a local QLoRA model or another provider instead.
      </p>
    </Notice>
  );
}
