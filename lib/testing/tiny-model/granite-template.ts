// A Granite 3 chat template for the tiny-model generator's --granite models, with the published one's shape
// (ibm-granite/granite-3.1-8b-instruct and later; the tools, documents and "thinking" branches left out): each turn is
// <|start_of_role|>ROLE<|end_of_role|>CONTENT<|end_of_text|> and a newline, the generation prompt is the assistant's
// opening, and a conversation without a system message gets a default one that carries today's date
// (strftime_now), so two renders on different days differ. <|end_of_text|> is Granite's bos, eos and pad token at once.
// A plain template literal: the '\n' escapes inside its string literals are real newlines, as the JSON string decodes.
export const GRANITE_CHAT_TEMPLATE = `{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content'] %}
    {%- set loop_messages = messages[1:] %}
{%- else %}
    {%- set system_message = "Knowledge Cutoff Date: April 2024.\nToday's Date: " + strftime_now('%B %d, %Y') + ".\nYou are Granite, developed by IBM. You are a helpful AI assistant." %}
    {%- set loop_messages = messages %}
{%- endif %}
{{- '<|start_of_role|>system<|end_of_role|>' + system_message + '<|end_of_text|>\n' }}
{%- for message in loop_messages %}
    {{- '<|start_of_role|>' + message['role'] + '<|end_of_role|>' + message['content'] + '<|end_of_text|>\n' }}
    {%- if loop.last and add_generation_prompt %}
        {{- '<|start_of_role|>assistant<|end_of_role|>' }}
    {%- endif %}
{%- endfor %}`;

export const GRANITE_SPECIAL_TOKENS = ["<|start_of_role|>", "<|end_of_role|>", "<|tool_call|>"];
