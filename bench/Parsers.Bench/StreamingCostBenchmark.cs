using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using Cluster.Parsers;

namespace Cluster.Parsers.Bench;

/// <summary>
/// One call with 20,000 characters of arguments, streamed one character per delta, for each format family:
/// total time, the longest single delta, and the ratio to parsing the same text in one piece.
/// </summary>
internal static class StreamingCostBenchmark
{
    private const int ArgumentLength = 20_000;

    /// <summary>(family, parser, output, tools).</summary>
    public static IEnumerable<(string Family, string Parser, string Text, IReadOnlyList<ToolDefinition> Tools)> Cases()
    {
        var code = Code(ArgumentLength);
        var json = Json(code);
        var noTools = Array.Empty<ToolDefinition>();
        yield return ("json object (hermes)", "hermes", $"<tool_call>\n{{\"name\": \"write_file\", \"arguments\": {{\"content\": {json}}}}}\n</tool_call>", noTools);
        yield return ("bare json, speculative (llama3_json)", "llama3_json", $"{{\"name\": \"write_file\", \"parameters\": {{\"content\": {json}}}}}", noTools);
        yield return ("json list (granite)", "granite", $"<|tool_call|>[{{\"name\": \"write_file\", \"arguments\": {{\"content\": {json}}}}}]", noTools);
        yield return ("name then json (mistral v11)", "mistral", $"[TOOL_CALLS]write_file[ARGS]{{\"content\": {json}}}", noTools);
        yield return ("native ids (kimi_k2)", "kimi_k2", $"<|tool_calls_section_begin|><|tool_call_begin|>functions.write_file:0<|tool_call_argument_begin|>{{\"content\": {json}}}<|tool_call_end|><|tool_calls_section_end|>", noTools);
        yield return ("pythonic (pythonic)", "pythonic", $"[write_file(content={Python(code)})]", noTools);
        yield return ("xml parameters (qwen3_coder)", "qwen3_coder", $"<tool_call>\n<function=write_file>\n<parameter=content>\n{code}\n</parameter>\n</function>\n</tool_call>", WriteFileTool());
        yield return ("key/value tags (glm45)", "glm45", $"<tool_call>write_file\n<arg_key>content</arg_key>\n<arg_value>{code}</arg_value>\n</tool_call>", WriteFileTool());
        yield return ("relaxed object (gemma4)", "gemma4", $"<|tool_call>call:write_file{{content:<|\"|>{code}<|\"|>}}<tool_call|>", noTools);
        yield return ("harmony channels (openai)", "openai", $"<|channel|>commentary to=functions.write_file <|constrain|>json<|message|>{{\"content\": {json}}}<|call|>", noTools);
    }

    public static void Run(TextWriter output)
    {
        output.WriteLine($"One call with {ArgumentLength:N0} characters of arguments, fed 1 character per delta. Times are the best of {Runs} runs");
        output.WriteLine("after warm-up; 'longest delta' is the slowest single Feed of the best run (timed in separate runs).");
        output.WriteLine();
        output.WriteLine($"| {"Format family",-38} | {"one-shot",9} | {"streamed",9} | {"ratio",5} | {"longest delta",13} | {"p99.9 delta",11} | {"ratio, 4-char deltas",20} |");
        output.WriteLine($"|{new string('-', 40)}|{new string('-', 11)}|{new string('-', 11)}|{new string('-', 7)}|{new string('-', 15)}|{new string('-', 13)}|{new string('-', 22)}|");
        // Warm every case up first, long enough for tiered compilation to promote the shared hot paths (it waits ~100 ms
        // before recompiling), so the first family measured is not penalised.
        var cases = Cases().ToArray();
        foreach (var (_, parser, text, tools) in cases)
        {
            var options = new ToolCallParserOptions { Tools = tools, IdSeed = 1 };
            Check(parser, text, options);
            var warmUp = Stopwatch.StartNew();
            while (warmUp.ElapsedMilliseconds < 400)
            {
                OneShot(parser, text, options);
                Streamed(parser, text, options);
                Streamed(parser, text, options, piece: 4);
                TimedDeltas(parser, text, options);
            }
        }
        foreach (var (family, parser, text, tools) in cases)
        {
            var options = new ToolCallParserOptions { Tools = tools, IdSeed = 1 };
            var oneShot = Enumerable.Range(0, Runs).Min(_ => OneShot(parser, text, options));
            var streamed = Enumerable.Range(0, Runs).Min(_ => Streamed(parser, text, options));
            var tokenSized = Enumerable.Range(0, Runs).Min(_ => Streamed(parser, text, options, piece: 4));
            var deltas = Enumerable.Range(0, Runs).Select(_ => TimedDeltas(parser, text, options)).MinBy(d => d[^1])!;
            output.WriteLine($"| {family,-38} | {Ms(oneShot),9} | {Ms(streamed),9} | {streamed / oneShot,5:F2} | {Us(deltas[^1]),13} | {Us(deltas[(int)(deltas.Length * 0.999)]),11} | {tokenSized / oneShot,20:F2} |");
        }
    }

    private const int Runs = 9;

    private static double OneShot(string parser, string text, ToolCallParserOptions options)
    {
        var events = new List<ParserEvent>();
        var start = Stopwatch.GetTimestamp();
        var p = ToolCallParserRegistry.Default.Create(parser, options);
        p.Feed(text, events);
        p.Finish(events);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Feeds the text in pieces of <paramref name="piece"/> characters (1: the issue's worst case; 4: about one token).</summary>
    private static double Streamed(string parser, string text, ToolCallParserOptions options, int piece = 1)
    {
        var events = new List<ParserEvent>();
        var start = Stopwatch.GetTimestamp();
        var p = ToolCallParserRegistry.Default.Create(parser, options);
        for (var i = 0; i < text.Length; i += piece)
        {
            p.Feed(text.AsSpan(i, Math.Min(piece, text.Length - i)), events);
            // The session grain forwards each delta's events and clears the list.
            events.Clear();
        }
        p.Finish(events);
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>Each Feed's duration, sorted ascending.</summary>
    private static double[] TimedDeltas(string parser, string text, ToolCallParserOptions options)
    {
        var events = new List<ParserEvent>();
        var deltas = new double[text.Length];
        var p = ToolCallParserRegistry.Default.Create(parser, options);
        for (var i = 0; i < text.Length; i++)
        {
            var t = Stopwatch.GetTimestamp();
            p.Feed(text.AsSpan(i, 1), events);
            deltas[i] = Stopwatch.GetElapsedTime(t).TotalSeconds;
            events.Clear();
        }
        p.Finish(events);
        Array.Sort(deltas);
        return deltas;
    }

    private static void Check(string parser, string text, ToolCallParserOptions options)
    {
        var r = ToolCallParserRegistry.Default.Create(parser, options).ParseComplete(text);
        var content = r.ToolCalls.Count == 1 ? JsonNode.Parse(r.ToolCalls[0].Arguments)?["content"]?.GetValue<string>() : null;
        if (r.Status != ParseStatus.Ok || content?.Length != ArgumentLength)
        {
            throw new InvalidOperationException($"{parser}: the benchmark input did not parse ({r.Status}, {string.Join("; ", r.Errors.Select(e => e.Message))}).");
        }
    }

    private static IReadOnlyList<ToolDefinition> WriteFileTool() =>
        [new ToolDefinition("write_file", new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["content"] = new JsonObject { ["type"] = "string" } } })];

    /// <summary>Source-code-like text: quotes, braces, backslashes, unicode and line breaks, exactly <paramref name="length"/> characters.</summary>
    private static string Code(int length)
    {
        const string line = "    if (x[\"key\"] == 'v') { print(\"héllo 🌈\\n\", {a: [1, 2]}); }\n";
        var sb = new StringBuilder(length + line.Length);
        while (sb.Length < length)
        {
            sb.Append(line);
        }
        sb.Length = length;
        if (char.IsHighSurrogate(sb[^1]))
        {
            sb[^1] = 'x';
        }
        sb[0] = 'x';
        sb[^1] = 'x';
        return sb.ToString();
    }

    private static string Json(string s) => System.Text.Json.JsonSerializer.Serialize(s, new System.Text.Json.JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static string Python(string s)
    {
        var sb = new StringBuilder("'");
        foreach (var c in s)
        {
            sb.Append(c switch { '\\' => "\\\\", '\'' => "\\'", '\n' => "\\n", _ => c.ToString() });
        }
        return sb.Append('\'').ToString();
    }

    private static string Ms(double seconds) => $"{seconds * 1000:F2} ms";

    private static string Us(double seconds) => $"{seconds * 1e6:F1} µs";
}
