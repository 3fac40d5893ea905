import type { ExampleRow } from "@/lib/datasets/get";
import { Badge } from "../ui/Badge";
import { formatInt } from "../ui/format";

const SPLIT_TONE = { train: "neutral", validation: "info", test: "warn" } as const;

export function ExampleCard({ example }: { example: ExampleRow }) {
  return (
    <li className="card card-body" aria-label={`Example ${example.position + 1}`}>
      <div className="example-meta">
        <strong>#{example.position + 1}</strong>
        <Badge tone={SPLIT_TONE[example.split]}>{example.split}</Badge>
        {example.tokenCount !== null ? <span>{formatInt(example.tokenCount)} tokens</span> : null}
        {example.tags.length > 0 ? <span>· {example.tags.join(", ")}</span> : null}
      </div>
      <div className="messages">
        {example.messages.map((m, i) => (
          <div key={i} className={`message message-${m.role}`}>
            <div className="message-role">{m.role}</div>
            <div className="message-content">{m.content}</div>
          </div>
        ))}
      </div>
    </li>
  );
}
