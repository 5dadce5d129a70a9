using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>Writes calls the way each model family does, for property tests with generated calls.</summary>
internal static class CallRenderer
{
    /// <summary>Formats with a renderer, and whether their string values are raw text (no escaping in the format).</summary>
    public static readonly (string Parser, bool RawStrings)[] Formats =
    [
        ("hermes", false), ("mistral", false), ("llama3_json", false), ("json_array", false), ("granite", false),
        ("jamba", false), ("apertus", false), ("cohere_command", false), ("kimi_k2", false), ("deepseek_v3", false),
        ("deepseek_v31", false), ("xlam", false), ("minimax", false), ("pythonic", false), ("lfm2", false),
        ("olmo3", false), ("gemma4", true), ("qwen3_coder", true), ("glm45", true), ("minimax_m2", true),
        ("deepseek_v32", true), ("openai", false), ("functionary_v3", false), ("seed_oss", true), ("step3", true),
        ("longcat", false), ("phi4_mini_json", false), ("internlm", false), ("gigachat3", false), ("granite-20b-fc", false),
        ("llama4_pythonic", false),
    ];

    public static string Render(string parser, IReadOnlyList<(string Name, JsonObject Args)> calls)
    {
        string Each(Func<(string Name, JsonObject Args), int, string> f) => string.Concat(calls.Select((c, i) => f(c, i)));
        string Obj(string name, JsonObject args, string argsKey = "arguments") => $"{{\"name\": {Q(name)}, \"{argsKey}\": {J(args)}}}";
        string JsonList(string argsKey = "arguments") => "[" + string.Join(", ", calls.Select(c => Obj(c.Name, c.Args, argsKey))) + "]";
        return parser switch
        {
            "hermes" => Each((c, _) => $"<tool_call>\n{Obj(c.Name, c.Args)}\n</tool_call>\n"),
            "mistral" => Each((c, _) => $"[TOOL_CALLS]{c.Name}[ARGS]{J(c.Args)}"),
            "llama3_json" => "<|python_tag|>" + string.Join("; ", calls.Select(c => Obj(c.Name, c.Args, "parameters"))),
            "json_array" => JsonList("parameters"),
            "granite" => "<|tool_call|>" + JsonList(),
            "jamba" => "<tool_calls>" + JsonList() + "</tool_calls>",
            "xlam" => "```json\n" + JsonList() + "\n```",
            "minimax" => "<tool_calls>\n" + string.Join("\n", calls.Select(c => Obj(c.Name, c.Args))) + "\n</tool_calls>",
            "apertus" => "<|tools_prefix|>[" + string.Join(", ", calls.Select(c => $"{{{Q(c.Name)}: {J(c.Args)}}}")) + "]<|tools_suffix|>",
            "cohere_command" => "<|START_ACTION|>[" + string.Join(",\n", calls.Select((c, i) => $"{{\"tool_call_id\": \"{i}\", \"tool_name\": {Q(c.Name)}, \"parameters\": {J(c.Args)}}}")) + "]<|END_ACTION|>",
            "kimi_k2" => "<|tool_calls_section_begin|>" + Each((c, i) => $"<|tool_call_begin|>functions.{c.Name}:{i}<|tool_call_argument_begin|>{J(c.Args)}<|tool_call_end|>") + "<|tool_calls_section_end|>",
            "deepseek_v3" => "<｜tool▁calls▁begin｜>" + Each((c, _) => $"<｜tool▁call▁begin｜>function<｜tool▁sep｜>{c.Name}\n```json\n{J(c.Args)}\n```<｜tool▁call▁end｜>") + "<｜tool▁calls▁end｜>",
            "deepseek_v31" => "<｜tool▁calls▁begin｜>" + Each((c, _) => $"<｜tool▁call▁begin｜>{c.Name}<｜tool▁sep｜>{J(c.Args)}<｜tool▁call▁end｜>") + "<｜tool▁calls▁end｜>",
            "pythonic" => "[" + string.Join(", ", calls.Select(c => Py(c.Name, c.Args))) + "]",
            "lfm2" => "<|tool_call_start|>[" + string.Join(", ", calls.Select(c => Py(c.Name, c.Args))) + "]<|tool_call_end|>",
            "olmo3" => "<function_calls>" + string.Join("\n", calls.Select(c => Py(c.Name, c.Args))) + "</function_calls>",
            "gemma4" => Each((c, _) => $"<|tool_call>call:{c.Name}{Gemma(c.Args)}<tool_call|>"),
            "qwen3_coder" => Each((c, _) => $"<tool_call>\n<function={c.Name}>\n" + string.Concat(c.Args.Select(p => $"<parameter={p.Key}>\n{Raw(p.Value)}\n</parameter>\n")) + "</function>\n</tool_call>"),
            "glm45" => Each((c, _) => $"<tool_call>{c.Name}\n" + string.Concat(c.Args.Select(p => $"<arg_key>{p.Key}</arg_key>\n<arg_value>{Raw(p.Value)}</arg_value>\n")) + "</tool_call>"),
            "minimax_m2" => "<minimax:tool_call>\n" + Each((c, _) => $"<invoke name=\"{c.Name}\">\n" + string.Concat(c.Args.Select(p => $"<parameter name=\"{p.Key}\">{Raw(p.Value)}</parameter>\n")) + "</invoke>\n") + "</minimax:tool_call>",
            "deepseek_v32" => "<｜DSML｜function_calls>\n" + Each((c, _) => $"<｜DSML｜invoke name=\"{c.Name}\">\n" + string.Concat(c.Args.Select(p => $"<｜DSML｜parameter name=\"{p.Key}\" string=\"{(p.Value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? "true" : "false")}\">{Raw(p.Value)}</｜DSML｜parameter>\n")) + "</｜DSML｜invoke>\n") + "</｜DSML｜function_calls>",
            "openai" => Each((c, _) => $"<|start|>assistant<|channel|>commentary to=functions.{c.Name} <|constrain|>json<|message|>{J(c.Args)}<|call|>"),
            "functionary_v3" => Each((c, i) => i % 2 == 0 ? $">>>{c.Name}\n{J(c.Args)}" : $"<function={c.Name}>{J(c.Args)}</function>"),
            "seed_oss" => Each((c, _) => $"<seed:tool_call>\n<function={c.Name}>\n" + string.Concat(c.Args.Select(p => $"<parameter={p.Key}>{Raw(p.Value)}</parameter>\n")) + "</function>\n</seed:tool_call>"),
            "step3" => "<｜tool_calls_begin｜>" + Each((c, _) => $"<｜tool_call_begin｜>function<｜tool_sep｜>{c.Name}\n<steptml:invoke name=\"{c.Name}\">" + string.Concat(c.Args.Select(p => $"<steptml:parameter name=\"{p.Key}\">{Raw(p.Value)}</steptml:parameter>")) + "</steptml:invoke><｜tool_call_end｜>") + "<｜tool_calls_end｜>",
            "longcat" => Each((c, _) => $"<longcat_tool_call>{Obj(c.Name, c.Args)}</longcat_tool_call>\n"),
            "phi4_mini_json" => "functools" + JsonList(),
            "internlm" => Each((c, _) => $"<|action_start|><|plugin|>\n{Obj(c.Name, c.Args, "parameters")}<|action_end|>"),
            "gigachat3" => "<|function_call|>" + Obj(calls[0].Name, calls[0].Args) + string.Concat(calls.Skip(1).Select(c => "<|function_call|>" + Obj(c.Name, c.Args))),
            "granite-20b-fc" => string.Join("\n", calls.Select(c => $"<function_call> {Obj(c.Name, c.Args)}")),
            "llama4_pythonic" => "<|python_start|>[" + string.Join(", ", calls.Select(c => Py(c.Name, c.Args))) + "]<|python_end|>",
            _ => throw new ArgumentException(parser),
        };
    }

    /// <summary>Tool definitions whose schema types match the generated arguments (for schema-typed formats).</summary>
    public static IReadOnlyList<ToolDefinition> Tools(IEnumerable<(string Name, JsonObject Args)> calls)
    {
        var tools = new Dictionary<string, ToolDefinition>();
        foreach (var (name, args) in calls)
        {
            var props = new JsonObject();
            foreach (var p in args)
            {
                props[p.Key] = new JsonObject { ["type"] = TypeOf(p.Value) };
            }
            tools[name] = new ToolDefinition(name, new JsonObject { ["type"] = "object", ["properties"] = props });
        }
        return tools.Values.ToArray();
    }

    private static string TypeOf(JsonNode? v) => v switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue j => j.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => j.ToJsonString().Contains('.') ? "number" : "integer",
            _ => "null",
        },
        _ => throw new ArgumentException("unexpected node"),
    };

    private static readonly JsonSerializerOptions Unescaped = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Q(string s) => JsonSerializer.Serialize(s, Unescaped);

    private static string J(JsonNode? n) => n is null ? "null" : n.ToJsonString(Unescaped);

    /// <summary>A raw-text parameter value: strings as they are, everything else as JSON.</summary>
    private static string Raw(JsonNode? n) => n is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : J(n);

    private static string Py(string name, JsonObject args) =>
        $"{name}(" + string.Join(", ", args.Select(p => $"{p.Key}={PyValue(p.Value)}")) + ")";

    private static string PyValue(JsonNode? n) => n switch
    {
        null => "None",
        JsonObject o => "{" + string.Join(", ", o.Select(p => $"{PyString(p.Key)}: {PyValue(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(", ", a.Select(PyValue)) + "]",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => PyString(v.GetValue<string>()),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            JsonValueKind.Null => "None",
            _ => v.ToJsonString(),
        },
        _ => throw new ArgumentException("unexpected node"),
    };

    private static string PyString(string s)
    {
        var sb = new StringBuilder("'");
        foreach (var c in s)
        {
            sb.Append(c switch
            {
                '\\' => "\\\\",
                '\'' => "\\'",
                '\n' => "\\n",
                '\t' => "\\t",
                '\r' => "\\r",
                _ => c.ToString(),
            });
        }
        return sb.Append('\'').ToString();
    }

    private static string Gemma(JsonNode? n) => n switch
    {
        null => "null",
        JsonObject o => "{" + string.Join(",", o.Select(p => $"{p.Key}:{Gemma(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Gemma)) + "]",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => "<|\"|>" + v.GetValue<string>() + "<|\"|>",
        JsonValue v => v.ToJsonString(),
        _ => throw new ArgumentException("unexpected node"),
    };

    public static string Number(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
