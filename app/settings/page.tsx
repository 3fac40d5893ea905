import type { Metadata } from "next";
import { ApiTokensCard } from "@/components/settings/ApiTokensCard";
import { OpenAICredentialsCard } from "@/components/settings/OpenAICredentialsForm";
import { PageHeader } from "@/components/ui/PageHeader";

export const metadata: Metadata = { title: "Settings" };

export default function SettingsPage() {
  return (
    <div className="stack">
      <PageHeader
        title="Settings"
        description="Provider credentials and API tokens. Keys are encrypted at rest and never sent back to the browser."
      />
      <OpenAICredentialsCard />
      <ApiTokensCard />
    </div>
  );
}
