import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { mulberry32 } from "../../../lib/random/mulberry32";

// A deterministic synthetic fine-tuning file for the dataset benches: n varied OpenAI chat examples (system
// prompts, multi-turn, tool calls with null content, weights, image parts, parallel_tool_calls), about 500
// bytes each, so 100,000 examples are ~50 MB. Same n → same bytes, on every machine.


const WORDS = (
  "account billing invoice refund password reset login error shipping order delivery tracking warranty " +
  "upgrade plan subscription cancel renew device laptop phone router printer driver update install " +
  "network wifi slow crash backup restore license key email calendar sync export import report dashboard " +
  "quickly please thanks could would should help issue problem customer support team today tomorrow"
).split(" ");
const SYSTEMS = [
  "You are TechCorp's support assistant. Answer briefly and politely.",
  "You are a helpful assistant for TechCorp customers. Cite the relevant help article when you can.",
  "Reply as Max, a friendly TechCorp support agent. Keep answers under three sentences.",
];

function sentence(r: () => number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]!);
  const s = out.join(" ");
  return s.charAt(0).toUpperCase() + s.slice(1) + ".";
}

/** The i-th example of the file (pure function of i). */
export function syntheticExample(i: number): Record<string, unknown> {
  const r = mulberry32(i + 1);
  const messages: Record<string, unknown>[] = [];
  if (r() < 0.7) messages.push({ role: "system", content: SYSTEMS[i % SYSTEMS.length] });
  const shape = r();
  if (shape < 0.08) {
    // A tool call round trip.
    const id = `call_${i.toString(36)}`;
    messages.push({ role: "user", content: `Where is order ${1000 + i}? ${sentence(r, 8)}` });
    messages.push({ role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "track_order", arguments: JSON.stringify({ order_id: String(1000 + i) }) } }] });
    messages.push({ role: "tool", tool_call_id: id, content: JSON.stringify({ status: "shipped", eta_days: 1 + (i % 5) }) });
    messages.push({ role: "assistant", content: `Order ${1000 + i} has shipped. ${sentence(r, 10)}` });
    return {
      messages,
      tools: [{ type: "function", function: { name: "track_order", description: "Look up an order", parameters: { type: "object", properties: { order_id: { type: "string" } }, required: ["order_id"] } } }],
      parallel_tool_calls: false,
    };
  }
  if (shape < 0.1) {
    messages.push({ role: "user", content: [{ type: "text", text: `What does this error mean? ${sentence(r, 6)}` }, { type: "image_url", image_url: { url: `https://example.com/screens/${i}.png`, detail: "low" } }] });
    messages.push({ role: "assistant", content: sentence(r, 24) });
    return { messages };
  }
  const turns = r() < 0.75 ? 1 : 2;
  for (let t = 0; t < turns; t++) {
    messages.push({ role: "user", content: `${sentence(r, 5 + Math.floor(r() * 12))} (ticket ${i}-${t})` });
    const last = t === turns - 1;
    messages.push({ role: "assistant", content: sentence(r, 10 + Math.floor(r() * 26)), ...(!last && r() < 0.5 ? { weight: 0 } : {}) });
  }
  return { messages };
}

/** Writes n examples as JSONL to `file` (streamed, so any n fits); returns the byte count. */
export async function generateDatasetFile(file: string, n: number): Promise<{ bytes: number; examples: number }> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const out = createWriteStream(file);
  let bytes = 0;
  let batch = "";
  for (let i = 0; i < n; i++) {
    batch += JSON.stringify(syntheticExample(i)) + "\n";
    if (batch.length > 1 << 20 || i === n - 1) {
      bytes += Buffer.byteLength(batch);
      if (!out.write(batch)) await once(out, "drain");
      batch = "";
    }
  }
  out.end();
  await once(out, "finish");
  return { bytes, examples: n };
}

// npx tsx scripts/bench/datasets/generate.ts OUT.jsonl [N=100000]
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [out = "data/bench/datasets-100k.jsonl", n = "100000"] = process.argv.slice(2);
  const { bytes, examples } = await generateDatasetFile(out, Number(n));
  process.stdout.write(`wrote ${examples} examples, ${(bytes / 1e6).toFixed(1)} MB to ${out}\n`);
}
