using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>Random tool calls: random names, nested arguments, unicode, escapes and strings holding marker text.</summary>
internal sealed class CallGenerator(Random random, bool rawStrings)
{
    private static readonly string[] Tricky =
    [
        "</tool_call>", "<tool_call>", "[TOOL_CALLS]", "<|python_tag|>", "{\"name\": \"x\", \"arguments\": {}}",
        "<|tool_call_end|>", "[1, 2]", "f(a=1)", "é", "北京", "🌈", "\"quoted\"", "back\\slash", "tab\there", "line\nbreak",
        "}", "]", ")", "'", "<", "＜", "｜", "```",
    ];

    private static readonly string[] RawSafe = ["é", "北京", "🌈", "\"q\"", "a'b", "x{y}", "[z]", "1 < 2", "tab\there", "mid\nline", "back\\slash", "```"];

    /// <summary>Calls with distinct names (schema-typed formats look the schema up by name).</summary>
    public List<(string Name, JsonObject Args)> Calls(int count) =>
        Enumerable.Range(0, count).Select(i => (Name() + "_" + i, Object(0, topLevel: true))).ToList();

    private string Name()
    {
        const string first = "abcdefghijklmnopqrstuvwxyz";
        const string rest = "abcdefghijklmnopqrstuvwxyz0123456789_";
        var sb = new StringBuilder().Append(first[random.Next(first.Length)]);
        for (var i = random.Next(0, 12); i > 0; i--)
        {
            sb.Append(rest[random.Next(rest.Length)]);
        }
        return sb.ToString();
    }

    private JsonObject Object(int depth, bool topLevel)
    {
        var o = new JsonObject();
        for (var i = random.Next(topLevel ? 0 : 1, 4); i > 0; i--)
        {
            var key = Name();
            if (!o.ContainsKey(key))
            {
                o[key] = Value(depth + 1, topLevel);
            }
        }
        return o;
    }

    private JsonNode? Value(int depth, bool topLevel)
    {
        var kind = random.Next(depth > 2 ? 5 : 7);
        return kind switch
        {
            0 => String(),
            1 => random.Next(-1000, 100000),
            2 => Math.Round(random.NextDouble() * 1000, 3) + 0.5,
            3 => random.Next(2) == 0,
            4 => String(),
            5 => Object(depth, topLevel: false),
            _ => new JsonArray(Enumerable.Range(0, random.Next(0, 4)).Select(_ => Value(depth + 1, false)).ToArray()),
        };
    }

    private string String()
    {
        var pieces = rawStrings ? RawSafe : Tricky;
        var sb = new StringBuilder();
        for (var i = random.Next(1, 5); i > 0; i--)
        {
            sb.Append(random.Next(3) == 0 ? pieces[random.Next(pieces.Length)] : Name());
            sb.Append(' ');
        }
        // Raw-text formats trim the value's surrounding line breaks, so generated values have none.
        return sb.ToString().Trim();
    }
}
