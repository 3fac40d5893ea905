import { recomputesWhenShort, type FitVerdict } from "@/lib/models/fit";
import { Badge } from "../ui/Badge";
import { formatBytes } from "./format";

// One target's verdict (a worker's GPU or a host's RAM), with the figures behind it in the tooltip. A GPU that fits
// the run only by recomputing more than asked (checkpointing turned on, or the attention recomputed) says so: it
// trains, slower than with room.

export function FitBadge({ verdict }: { verdict: FitVerdict }) {
  const where = `${verdict.hostname} ${verdict.label}`;
  const roomy = verdict.roomyBytes;
  const title =
    `${formatBytes(verdict.needBytes)} needed` +
    (roomy !== undefined ? ` (${formatBytes(roomy)} ${verdict.shortOfRoom === "checkpointing" ? "without gradient checkpointing; short of that the CUDA backend turns it on" : "with room to keep each layer's attention output, which saves recomputing it"})` : "") +
    `; ${formatBytes(verdict.usableBytes)} usable of ${formatBytes(verdict.totalBytes)}` +
    (verdict.kind === "ram" ? " (free at the last heartbeat)" : " (90 %: CUDA context and fragmentation take the rest)") +
    (verdict.trainsHere ? "; a gpu-jobs worker runs on this host" : "; no gpu-jobs worker runs on this host yet");
  const short = recomputesWhenShort(verdict);
  // "may": the usable part is 90 % of the GPU, the backend decides on the memory actually free when the run starts.
  const note = short === "checkpointing" ? " (may turn on gradient checkpointing)" : short === "attention" ? " (may recompute attention)" : "";
  if (verdict.fits === "yes") return <Badge tone="ok" title={title}>✓ fits {where}{note}</Badge>;
  if (verdict.fits === "tight") return <Badge tone="warn" title={title}>≈ tight on {where}{note}</Badge>;
  return <Badge tone="danger" title={title}>✗ does not fit {where}</Badge>;
}
