// LFM2's chat template for the tiny-model generator's --lfm2 models, as Liquid AI publishes it (LiquidAI/LFM2-*):
// <|startoftext|> (bos) first; the system message and, with tools, "List of tools: <|tool_list_start|>[...]
// <|tool_list_end|>" in one system turn; ChatML turns closed by <|im_end|> and a newline; a tool's reply wrapped in
// <|tool_response_start|> ... <|tool_response_end|>. It relies on what a Jinja engine must get right beyond ChatML:
// namespace() objects, reassigning `messages` to a slice, `is not string` and tojson.
// A plain template literal: the '\n' escapes inside its string literals are real newlines, as the JSON string decodes.
export const LFM2_CHAT_TEMPLATE = `{{- bos_token -}}
{%- set system_prompt = "" -%}
{%- set ns = namespace(system_prompt="") -%}
{%- if messages[0]["role"] == "system" -%}
	{%- set ns.system_prompt = messages[0]["content"] -%}
	{%- set messages = messages[1:] -%}
{%- endif -%}
{%- if tools -%}
	{%- set ns.system_prompt = ns.system_prompt + ("\\n" if ns.system_prompt else "") + "List of tools: <|tool_list_start|>[" -%}
	{%- for tool in tools -%}
		{%- if tool is not string -%}
			{%- set tool = tool | tojson -%}
		{%- endif -%}
		{%- set ns.system_prompt = ns.system_prompt + tool -%}
		{%- if not loop.last -%}
			{%- set ns.system_prompt = ns.system_prompt + ", " -%}
		{%- endif -%}
	{%- endfor -%}
	{%- set ns.system_prompt = ns.system_prompt + "]<|tool_list_end|>" -%}
{%- endif -%}
{%- if ns.system_prompt -%}
	{{- "<|im_start|>system\\n" + ns.system_prompt + "<|im_end|>\\n" -}}
{%- endif -%}
{%- for message in messages -%}
	{{- "<|im_start|>" + message["role"] + "\\n" -}}
	{%- set content = message["content"] -%}
	{%- if content is not string -%}
		{%- set content = content | tojson -%}
	{%- endif -%}
	{%- if message["role"] == "tool" -%}
		{%- set content = "<|tool_response_start|>" + content + "<|tool_response_end|>" -%}
	{%- endif -%}
	{{- content + "<|im_end|>\\n" -}}
{%- endfor -%}
{%- if add_generation_prompt -%}
	{{- "<|im_start|>assistant\\n" -}}
{%- endif -%}`;

/** LFM2's special tokens beyond ChatML's: its bos and the tool markers. */
export const LFM2_SPECIAL_TOKENS = ["<|startoftext|>", "<|tool_list_start|>", "<|tool_list_end|>", "<|tool_call_start|>", "<|tool_call_end|>", "<|tool_response_start|>", "<|tool_response_end|>"];
