#!/usr/bin/env python3
"""Renders every shared fixture template with extra conversations (OpenAI-shaped edge cases the 7 fixture conversations
lack) through Python Jinja2 set up as Hugging Face sets it up, and records a SHA-256 of each output (or the error), so the
C# engine can be checked against all templates without committing megabytes of expected text.
usage: python3 generate_template_variants.py [TEMPLATE_DIR]   (writes template_variants.json beside this script)"""
import hashlib, json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
exec(open(os.path.join(HERE, "generate.py"), encoding="utf-8").read().split("# (feature group")[0])  # make_env, FIXED_NOW

WEATHER = {"type": "function", "function": {"name": "get_weather", "description": "Get the weather", "parameters": {
    "type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer", "minimum": 1, "default": 3},
                                     "ratio": {"type": "number", "multipleOf": 0.5}, "flags": {"type": "array", "items": {"type": "boolean"}},
                                     "opts": {"type": "object", "properties": {"metric": {"type": "boolean"}}, "nullable": True}},
    "required": ["city"]}}}
SEARCH = {"type": "function", "function": {"name": "search", "description": "Search «everything» — fast", "parameters": {
    "type": "object", "properties": {"q": {"type": "string", "description": "Query with \"quotes\" and \\ backslash"}}, "required": ["q"]}}}

CONVERSATIONS = [
    {"name": "content_null_string_arguments", "tools": [WEATHER], "messages": [
        {"role": "user", "content": "Weather?"},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "abcDEF123", "type": "function",
                                                              "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "abcDEF123", "content": "sunny"}]},
    {"name": "unicode_and_markup", "messages": [
        {"role": "system", "content": "Réponds en français. 日本語もOK. 😀"},
        {"role": "user", "content": "Say {{ not a tag }} and {% neither %} <b>bold</b> & \"quotes\" 'single'\n  indented\ttab"}]},
    {"name": "content_parts", "messages": [
        {"role": "system", "content": [{"type": "text", "text": "System part."}]},
        {"role": "user", "content": [{"type": "text", "text": "Part one."}, {"type": "text", "text": "Part two."}]}]},
    {"name": "thinking_disabled", "extra": {"enable_thinking": False}, "messages": [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!", "reasoning_content": "The user greets me."},
        {"role": "user", "content": "Again"}]},
    {"name": "reasoning_history", "messages": [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "<think>\nadd\n</think>\n\n4"},
        {"role": "user", "content": "3+3?"}]},
    {"name": "rich_tools_no_prompt", "add_generation_prompt": False, "tools": [WEATHER, SEARCH], "messages": [
        {"role": "system", "content": "Use tools."},
        {"role": "user", "content": "Find it"},
        {"role": "assistant", "content": "Searching.", "tool_calls": [{"id": "Zz9Yy8Xx7", "type": "function",
                                                                     "function": {"name": "search", "arguments": {"q": "it «x»", "n": 2.5, "exact": True, "tags": None}}}]},
        {"role": "tool", "tool_call_id": "Zz9Yy8Xx7", "name": "search", "content": "{\"hits\": [1, 2]}"},
        {"role": "assistant", "content": "Found."}]},
    {"name": "single_user", "messages": [{"role": "user", "content": ""}]},
    {"name": "system_only_tools", "tools": [SEARCH], "extra": {"tools_in_user_message": False}, "messages": [
        {"role": "system", "content": "S"}, {"role": "user", "content": "U"}]},
]


def main():
    tdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", "Fixtures", "chat_templates")
    env = make_env()
    results = []
    for fn in sorted(os.listdir(tdir)):
        if not fn.endswith(".jinja"):
            continue
        tpl = env.from_string(open(os.path.join(tdir, fn), encoding="utf-8").read())
        for c in CONVERSATIONS:
            ctx = dict(bos_token="<s>", eos_token="</s>", add_generation_prompt=c.get("add_generation_prompt", True))
            ctx["messages"] = c["messages"]
            if c.get("tools") is not None:
                ctx["tools"] = c["tools"]
            ctx.update(c.get("extra", {}))
            entry = {"template": fn, "conversation": c["name"]}
            try:
                out = tpl.render(**ctx)
                entry["sha256"] = hashlib.sha256(out.encode("utf-8")).hexdigest()
                entry["length"] = len(out)
            except Exception as e:  # noqa: BLE001 - the error text is what we record
                entry["error"] = type(e).__name__ + ": " + str(e)
            results.append(entry)
    path = os.path.join(HERE, "template_variants.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"conversations": CONVERSATIONS, "renders": results}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(results)} renders ({sum('error' in r for r in results)} errors) -> {path}")


main()
