import type { Metadata } from "next";
import { ApiTokensCard } from "@/components/settings/ApiTokensCard";
import { OpenAICredentialsCard } from "@/components/settings/OpenAICredentialsForm";
import { WebhooksCard } from "@/components/settings/WebhooksCard";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
    <div className="stack">
      <PageHeader
        title="Settings"
        description="Provider credentials, API tokens and notifications. Keys and webhook URLs are encrypted at rest and never sent back to the browser."
      />
      <OpenAICredentialsCard />
      <ApiTokensCard />
      <WebhooksCard />
    </div>
  );
}
