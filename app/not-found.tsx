import { ButtonLink } from "@/components/ui/Button";
import { EmptyState } from "@/components/ui/EmptyState";

export default function NotFound() {
  return (
    <EmptyState icon="?" title="Page not found" actions={<ButtonLink href="/" variant="primary">Go to the overview</ButtonLink>}>
      <p>This page does not exist, or what it showed has been deleted.</p>
    </EmptyState>
  );
}
