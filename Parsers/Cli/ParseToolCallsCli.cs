using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Cluster.Parsers.Cli;

/// <summary>
/// <c>parse-tool-calls --parser NAME [--spec FILE] [--tools FILE] [--chunk-size N] [--reasoning-parser NAME] [--list]</c>:
/// parses model output from stdin and prints the <see cref="ToolCallParseReport"/> JSON. For users adding a model:
/// point <c>--spec</c> at a new format file and check it against real outputs.
/// Exit codes: 0 parsed (whatever the status), 1 bad arguments, 2 unreadable file or invalid spec.
/// </summary>
public static class ParseToolCallsCli
{
    /// <summary>The usage text.</summary>
    public const string Usage =
        "usage: parse-tool-calls --parser NAME [--spec FILE] [--tools FILE] [--chunk-size N] [--reasoning-parser NAME] [--list]\n" +
        "  reads model output on stdin; prints {\"content\", \"reasoning\", \"tool_calls\", \"status\", \"errors\"}\n" +
        "  --spec FILE        load a format spec (JSON, see Parsers/README.md); used when --parser is absent\n" +
        "  --tools FILE       OpenAI tools array (types XML-parameter values by schema)\n" +
        "  --chunk-size N     feed the text in pieces of N characters through the streaming path\n" +
        "  --reasoning-parser split reasoning off first (qwen3, deepseek_r1, seed_oss, mistral, ...)\n" +
        "  --list             print the parser names and aliases";

    private static readonly JsonSerializerOptions Output = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Runs the command with the arguments after its name.</summary>
    public static int Run(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr)
    {
        string? parser = null, spec = null, toolsFile = null, reasoning = null;
        int? chunkSize = null;
        var list = false;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, inline) = args[i].IndexOf('=') is > 0 and var eq ? (args[i][..eq], args[i][(eq + 1)..]) : (args[i], null);
            if (name == "--list")
            {
                list = true;
                continue;
            }
            if (name is "-h" or "--help")
            {
                stdout.WriteLine(Usage);
                return 0;
            }
            var value = inline ?? (i + 1 < args.Length ? args[++i] : null);
            if (value is null)
            {
                return Fail(stderr, $"option '{name}' needs a value", 1);
            }
            switch (name)
            {
                case "--parser": parser = value; break;
                case "--spec": spec = value; break;
                case "--tools": toolsFile = value; break;
                case "--reasoning-parser": reasoning = value; break;
                case "--chunk-size":
                    if (!int.TryParse(value, out var n) || n < 1)
                    {
                        return Fail(stderr, $"--chunk-size needs a positive integer, got '{value}'", 1);
                    }
                    chunkSize = n;
                    break;
                default:
                    return Fail(stderr, $"unknown option '{name}'\n{Usage}", 1);
            }
        }

        var registry = ToolCallParserRegistry.CreateWithBuiltIns();
        try
        {
            if (spec is not null)
            {
                parser ??= registry.LoadSpec(spec).Name;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException or ArgumentException)
        {
            return Fail(stderr, $"cannot load spec '{spec}': {e.Message}", 2);
        }
        if (list)
        {
            foreach (var name in registry.Names)
            {
                var aliases = registry.Aliases.Where(a => a.Value == name).Select(a => a.Key).Order(StringComparer.Ordinal).ToArray();
                stdout.WriteLine(aliases.Length == 0 ? name : $"{name} (aliases: {string.Join(", ", aliases)})");
            }
            return 0;
        }
        if (parser is null)
        {
            return Fail(stderr, Usage, 1);
        }
        if (!registry.Contains(parser))
        {
            return Fail(stderr, $"unknown parser '{parser}'; known: {string.Join(", ", registry.Names)}", 1);
        }
        if (reasoning is not null && !registry.Reasoning.Contains(reasoning))
        {
            return Fail(stderr, $"unknown reasoning parser '{reasoning}'; known: {string.Join(", ", registry.Reasoning.Names)}", 1);
        }

        IReadOnlyList<ToolDefinition> tools = [];
        if (toolsFile is not null)
        {
            try
            {
                var node = JsonNode.Parse(File.ReadAllText(toolsFile));
                tools = ToolDefinition.FromOpenAiTools(node is JsonObject o && o["tools"] is JsonArray inner ? inner : node);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                return Fail(stderr, $"cannot read tools '{toolsFile}': {e.Message}", 2);
            }
        }

        var text = stdin.ReadToEnd();
        var instance = registry.Create(parser, new ToolCallParserOptions { Tools = tools, ReasoningParser = reasoning });
        var events = new List<ParserEvent>();
        var piece = chunkSize ?? Math.Max(1, text.Length);
        for (var pos = 0; pos < text.Length; pos += piece)
        {
            instance.Feed(text.AsSpan(pos, Math.Min(piece, text.Length - pos)), events);
        }
        instance.Finish(events);
        stdout.WriteLine(ToolCallParseReport.Build(ToolCallResultBuilder.Build(events)).ToJsonString(Output));
        return 0;
    }

    private static int Fail(TextWriter stderr, string message, int code)
    {
        stderr.WriteLine(message);
        return code;
    }
}
