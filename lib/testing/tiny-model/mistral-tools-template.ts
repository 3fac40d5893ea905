import fs from "node:fs";
import path from "node:path";

// Mistral 7B Instruct v0.3's tool branches as published (mistralai/Mistral-7B-Instruct-v0.3, tokenizer_config.json
// "chat_template"): calls as [TOOL_CALLS] [{…, "id": "…"}] and results as [TOOL_RESULTS] {"content": …, "call_id": …},
// both raising unless the id has 9 characters.

export const MISTRAL_TOOL_BRANCHES = `{%- for message in messages %}
    {%- if message["role"] == "user" %}
        {{- "[INST] " + message["content"] + "[/INST]" }}
    {%- elif message.tool_calls is defined and message.tool_calls is not none %}
        {{- "[TOOL_CALLS] [" }}
        {%- for tool_call in message.tool_calls %}
            {%- set out = tool_call.function|tojson %}
            {{- out[:-1] }}
            {%- if not tool_call.id is defined or tool_call.id|length != 9 %}
                {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
            {%- endif %}
            {{- ', "id": "' + tool_call.id + '"}' }}
            {%- if not loop.last %}
                {{- ", " }}
            {%- else %}
                {{- "]" + eos_token }}
            {%- endif %}
        {%- endfor %}
    {%- elif message["role"] == "assistant" %}
        {{- " " + message["content"]|trim + eos_token}}
    {%- elif message["role"] == "tool_results" or message["role"] == "tool" %}
        {%- set content = message.content %}
        {{- '[TOOL_RESULTS] {"content": ' + content|string + ", " }}
        {%- if not message.tool_call_id is defined or message.tool_call_id|length != 9 %}
            {{- raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}
        {%- endif %}
        {{- '"call_id": "' + message.tool_call_id + '"}[/TOOL_RESULTS]' }}
    {%- endif %}
{%- endfor %}`;

/** Gives a tiny model in `dir` Mistral's tool branches as its chat template. */
export function useMistralToolTemplate(dir: string): void {
  const configFile = path.join(dir, "tokenizer_config.json");
  fs.writeFileSync(configFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(configFile, "utf8")), chat_template: MISTRAL_TOOL_BRANCHES }));
}
