"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useReducer, useRef, useState } from "react";
import type { PlaygroundChoices } from "@/lib/playground/choices";
import type { PlaygroundRequest } from "@/lib/playground/request";
import { apiFetch, messageOf } from "../api-client";
import { Button, ButtonLink } from "../ui/Button";
import { Card } from "../ui/Card";
import { EmptyState } from "../ui/EmptyState";
import { Field } from "../ui/Field";
import { Input } from "../ui/Input";
import { Notice } from "../ui/Notice";
import { ChatColumn } from "./ChatColumn";
import { chatReducer, EMPTY_CHAT, messagesFor, unansweredCalls, type SentRole, type Side } from "./chat-state";
import { streamReply } from "./stream-reply";
import styles from "./playground.module.css";
import { THINKING_MODES, type ThinkingMode } from "@/lib/reasoning";
import { parseToolsText } from "@/lib/tokenizer/tool-definitions";

// Chat with a base model and a fine-tuned job's adapter side by side, or with an OpenAI job's fine-tuned model and
// the model it was trained from (asked through the API by the server). Send starts both replies at once; each
// streams into its own column with time to first token and tokens/s. Stop cancels both (the server tells the
// worker, or aborts the API request). Changing the model or the job starts a new chat.

type Settings = { maxTokens: string; temperature: string; topP: string; seed: string };
const DEFAULTS: Settings = { maxTokens: "256", temperature: "0.7", topP: "0.95", seed: "" };
const THINKING_LABEL: Record<ThinkingMode, string> = { default: "As the template does (on)", off: "Off: answer directly", on: "On: think first" };

function parseSettings(s: Settings): { ok: true; value: Pick<PlaygroundRequest, "maxTokens" | "temperature" | "topP" | "seed"> } | { ok: false; field: keyof Settings; message: string } {
  const num = (v: string) => (v.trim() === "" ? NaN : Number(v));
  const maxTokens = num(s.maxTokens);
  if (!Number.isInteger(maxTokens) || maxTokens < 1 || maxTokens > 8192) return { ok: false, field: "maxTokens", message: "A whole number from 1 to 8192." };
  const temperature = num(s.temperature);
  if (!(temperature >= 0 && temperature <= 2)) return { ok: false, field: "temperature", message: "From 0 (greedy) to 2." };
  const topP = num(s.topP);
  if (!(topP > 0 && topP <= 1)) return { ok: false, field: "topP", message: "Above 0, at most 1." };
  const seed = s.seed.trim() === "" ? undefined : num(s.seed);
  if (seed !== undefined && !(Number.isInteger(seed) && seed >= 0)) return { ok: false, field: "seed", message: "A whole number ≥ 0, or empty." };
  return { ok: true, value: { maxTokens, temperature, topP, ...(seed !== undefined ? { seed } : {}) } };
}

export function Playground({ initialJobId }: { initialJobId?: string }) {
  const { data, error, isPending } = useQuery({
    queryKey: ["playground-choices", initialJobId ?? null],
    queryFn: ({ signal }) => apiFetch<PlaygroundChoices>(`/api/playground${initialJobId ? `?job=${encodeURIComponent(initialJobId)}` : ""}`, { signal }),
  });
  const [model, setModel] = useState("");
  const [jobId, setJobId] = useState("");
  const [system, setSystem] = useState("");
  const [toolsText, setToolsText] = useState("");
  const [thinking, setThinking] = useState<ThinkingMode>("default");
  const [settings, setSettings] = useState<Settings>(DEFAULTS);
  const [question, setQuestion] = useState("");
  // With tools: the next message may be a tool's result, answering a call a reply made.
  const [sendAs, setSendAs] = useState<SentRole>("user");
  const [chat, dispatch] = useReducer(chatReducer, EMPTY_CHAT);
  const controllers = useRef<AbortController[]>([]);
  const [inFlight, setInFlight] = useState(0);

  // First load: preselect ?job= (a local job with its base model, or an OpenAI job), else the first model.
  const [preselected, setPreselected] = useState(false);
  useEffect(() => {
    if (!data || preselected) return;
    setPreselected(true);
    const job = data.jobs.find((j) => j.id === initialJobId);
    if (job) {
      setJobId(job.id);
      setModel(job.baseModel);
      return;
    }
    if (data.hostedJobs.some((j) => j.id === initialJobId)) setJobId(initialJobId!);
    if (data.models[0]) setModel(data.models[0].name);
  }, [data, preselected, initialJobId]);
  useEffect(() => () => controllers.current.forEach((c) => c.abort()), []);

  if (isPending) return <p className="muted" aria-busy="true">Loading models and jobs…</p>;
  if (error) return <Notice tone="danger" title="Could not load the playground">{messageOf(error)}</Notice>;
  if (data.models.length === 0 && data.hostedJobs.length === 0) {
    return (
      <EmptyState icon="❝" title="No model to chat with" actions={<ButtonLink href="/models">Models</ButtonLink>}>
        <p>Put a Hugging Face model folder (with tokenizer.json) in the models directory; the Models page says where that is. An OpenAI job that succeeded can be chatted with here too.</p>
      </EmptyState>
    );
  }

  const jobsForModel = data.jobs.filter((j) => j.baseModel === model);
  const job = data.jobs.find((j) => j.id === jobId);
  // An OpenAI job: its fine-tuned model against the model it was trained from, both through the API.
  const hosted = data.hostedJobs.find((j) => j.id === jobId);
  const missingJob = initialJobId && !data.jobs.some((j) => j.id === initialJobId) && !data.hostedJobs.some((j) => j.id === initialJobId);
  const parsed = parseSettings(settings);
  const parsedTools = parseToolsText(toolsText);
  // Qwen3-style templates let the caller switch the thinking off (enable_thinking); others have nothing to switch.
  const thinkingSwitch = !hosted && (data.models.find((m) => m.name === model)?.thinkingSwitch ?? false);
  const busy = inFlight > 0;
  const sides: Side[] = job || hosted ? ["base", "tuned"] : ["base"];
  const baseName = hosted ? hosted.baseModel : model;
  const toolResults = parsedTools.ok && parsedTools.tools.length > 0;

  const send = () => {
    const text = question.trim();
    if (!text || busy || !parsed.ok || !parsedTools.ok || !baseName) return;
    setQuestion("");
    const role: SentRole = toolResults ? sendAs : "user";
    // Results still owed to a hosted reply's other calls: the next message is one of them too.
    const owed = hosted !== undefined && role === "tool" && sides.some((side) => unansweredCalls(chat[side]).length > 1);
    setSendAs(owed ? "tool" : "user");
    controllers.current = [];
    for (const side of sides) {
      // A hosted reply's calls are answered by id, one result each; the model replies once all of them are.
      const open = hosted && role === "tool" ? unansweredCalls(chat[side]) : [];
      const toolCallId = open[0]?.id;
      if (toolCallId && open.length > 1) {
        dispatch({ type: "append", side, text, toolCallId });
        continue;
      }
      const body: PlaygroundRequest = {
        model: hosted ? (side === "tuned" ? hosted.fineTunedModel : hosted.baseModel) : model,
        messages: messagesFor(chat[side], system, text, role, toolCallId),
        ...parsed.value,
        thinking: thinkingSwitch ? thinking : "default",
        ...(parsedTools.tools.length > 0 ? { tools: parsedTools.tools } : {}),
        ...(hosted ? { hostedJobId: hosted.id } : side === "tuned" ? { adapterJobId: jobId } : {}),
      };
      const ac = new AbortController();
      controllers.current.push(ac);
      dispatch({ type: "send", side, text, at: performance.now(), role, toolCallId });
      setInFlight((n) => n + 1);
      let ended = false;
      void streamReply(
        body,
        (m) => {
          if (m.type === "start") dispatch({ type: "start", side, note: m.note });
          else if (m.type === "token") dispatch({ type: "token", side, text: m.text, at: performance.now() });
          else if (m.type === "done") {
            ended = true;
            dispatch({ type: "done", side, stats: { tokensPerSecond: m.tokensPerSecond, tokens: m.tokens, finishReason: m.finishReason, backend: m.backend, costUsd: m.costUsd }, toolCalls: m.toolCalls });
          } else if (m.type === "error") {
            ended = true;
            dispatch({ type: "error", side, message: m.message });
          }
        },
        ac.signal,
      ).finally(() => {
        if (!ended) dispatch({ type: "ended", side });
        setInFlight((n) => n - 1);
      });
    }
  };
  const stop = () => controllers.current.forEach((c) => c.abort());
  const restart = () => {
    stop();
    dispatch({ type: "clear" });
  };
  const setting = (key: keyof Settings, label: string, hint?: string) => (
    <Field id={`pg-${key}`} label={label} hint={hint} error={!parsed.ok && parsed.field === key ? parsed.message : undefined}>
      {(control) => <Input {...control} inputMode="decimal" value={settings[key]} onChange={(e) => setSettings({ ...settings, [key]: e.target.value })} />}
    </Field>
  );

  return (
    <div className="stack">
      {missingJob ? (
        <Notice tone="warn" title="That job cannot be used here">
          Job <code>{initialJobId}</code> is neither a succeeded local job with an adapter nor a succeeded OpenAI job. Pick one below, or chat with the base model alone.
        </Notice>
      ) : null}
      <Card title="Setup">
        <div className={styles.settings}>
          <Field id="pg-model" label="Base model" hint={hosted ? "The model this OpenAI job was trained from, asked through the API." : data.models.length === 0 ? "No local model: pick an OpenAI job." : undefined}>
            {(control) => (
              <select
                {...control}
                className="input"
                value={hosted ? "" : model}
                disabled={busy || Boolean(hosted)}
                onChange={(e) => {
                  setModel(e.target.value);
                  setJobId("");
                  restart();
                }}
              >
                {hosted ? <option value="">{hosted.baseModel} (OpenAI)</option> : null}
                {data.models.map((m) => (
                  <option key={m.name} value={m.name}>
                    {m.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id="pg-job" label="Fine-tuned job" hint={jobsForModel.length || data.hostedJobs.length ? undefined : "No succeeded local job on this model yet."}>
            {(control) => (
              <select
                {...control}
                className="input"
                value={jobId}
                disabled={busy}
                onChange={(e) => {
                  setJobId(e.target.value);
                  restart();
                }}
              >
                <option value="">None (base model only)</option>
                {jobsForModel.map((j) => (
                  <option key={j.id} value={j.id}>
                    {j.label}
                  </option>
                ))}
                {data.hostedJobs.length > 0 ? (
                  <optgroup label="OpenAI jobs (through the API)">
                    {data.hostedJobs.map((j) => (
                      <option key={j.id} value={j.id}>
                        {j.label} · {j.fineTunedModel}
                      </option>
                    ))}
                  </optgroup>
                ) : null}
              </select>
            )}
          </Field>
          {setting("maxTokens", "Max tokens")}
          {setting("temperature", "Temperature", "0 = greedy")}
          {setting("topP", "Top-p")}
          {setting("seed", "Seed", "empty = 0")}
          {thinkingSwitch ? (
            <Field id="pg-thinking" label="Thinking" hint="This model's chat template can switch its thinking off (enable_thinking).">
              {(control) => (
                <select {...control} className="input" value={thinking} disabled={busy} onChange={(e) => setThinking(e.target.value as ThinkingMode)}>
                  {THINKING_MODES.map((m) => (
                    <option key={m} value={m}>
                      {THINKING_LABEL[m]}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          ) : null}
          <div className={styles.wide}>
            <Field id="pg-system" label="System prompt" optional>
              {(control) => <textarea {...control} className="input" rows={2} value={system} onChange={(e) => setSystem(e.target.value)} />}
            </Field>
          </div>
          <div className={styles.wide}>
            <Field
              id="pg-tools"
              label="Tools"
              optional
              hint={
                hosted
                  ? 'OpenAI tool definitions, a JSON array: [{"type": "function", "function": {"name": …, "parameters": {…}}}], sent as the request\'s tools; the calls a reply makes are listed under it, and a tool result answers the first one not yet answered.'
                  : 'OpenAI tool definitions, a JSON array: [{"type": "function", "function": {"name": …, "parameters": {…}}}]. The model sees them through its chat template, as in training on lines with "tools"; calls it writes are listed under its reply.'
              }
              error={parsedTools.ok ? undefined : parsedTools.message}
            >
              {(control) => <textarea {...control} className="input mono" rows={3} spellCheck={false} value={toolsText} onChange={(e) => setToolsText(e.target.value)} />}
            </Field>
          </div>
        </div>
      </Card>

      <div className={styles.columns}>
        <ChatColumn side="base" title="Base" subtitle={baseName} column={chat.base} />
        {hosted ? <ChatColumn side="tuned" title="Fine-tuned" subtitle={hosted.fineTunedModel} column={chat.tuned} /> : null}
        {job ? <ChatColumn side="tuned" title="Fine-tuned" subtitle={job.label} column={chat.tuned} /> : null}
      </div>

      <form
        className={styles.composer}
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <Field id="pg-question" label="Message">
          {(control) => (
            <textarea
              {...control}
              className="input"
              value={question}
              placeholder="Ask both models… (Enter sends, Shift+Enter for a new line)"
              onChange={(e) => setQuestion(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey) {
                  e.preventDefault();
                  send();
                }
              }}
            />
          )}
        </Field>
        <div className="form-actions">
          {toolResults ? (
            <label className={styles.sendAs}>
              Send as
              <select className="input" value={sendAs} disabled={busy} onChange={(e) => setSendAs(e.target.value as SentRole)}>
                <option value="user">You</option>
                <option value="tool">Tool result (answers the call above)</option>
              </select>
            </label>
          ) : null}
          <Button type="submit" variant="primary" disabled={busy || !question.trim() || !parsed.ok || !parsedTools.ok}>
            Send
          </Button>
          <Button onClick={stop} disabled={!busy}>
            Stop
          </Button>
          <Button variant="ghost" onClick={restart} disabled={chat.base.turns.length === 0 && chat.tuned.turns.length === 0}>
            New chat
          </Button>
        </div>
      </form>
    </div>
  );
}
