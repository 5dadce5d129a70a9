using System.Diagnostics;

namespace Cluster.Parsers.Tests;

/// <summary>
/// Work is linear in the output: a 1,000,000-character call streamed one character per delta must finish within
/// seconds on any machine (re-parsing the accumulated text per delta would take hours), and twenty times the text may
/// cost at most two hundred times the time (caches and a loaded machine make per-character cost vary by a few times;
/// quadratic work would cost four hundred times).
/// </summary>
[Collection(nameof(LinearTimeTests))]
public sealed class LinearTimeTests
{
    [Theory]
    [InlineData("hermes", "<tool_call>{\"name\": \"w\", \"arguments\": {\"s\": \"", "\"}}</tool_call>")]
    [InlineData("pythonic", "[w(s='", "')]")]
    [InlineData("qwen3_coder", "<tool_call>\n<function=w>\n<parameter=s>\n", "\n</parameter>\n</function>\n</tool_call>")]
    [InlineData("glm45", "<tool_call>w\n<arg_key>s</arg_key>\n<arg_value>", "</arg_value>\n</tool_call>")]
    [InlineData("openai", "<|channel|>commentary to=functions.w <|constrain|>json<|message|>{\"s\": \"", "\"}<|call|>")]
    public void Streaming_a_huge_call_character_by_character_is_linear(string parser, string prefix, string suffix)
    {
        var small = Measure(parser, prefix + Body(50_000) + suffix);
        var large = Measure(parser, prefix + Body(1_000_000) + suffix);
        Assert.True(large < TimeSpan.FromSeconds(10), $"{parser}: 1M characters took {large.TotalMilliseconds:F0} ms");
        Assert.True(large.TotalMilliseconds < 200 * Math.Max(small.TotalMilliseconds, 1), $"{parser}: 50k took {small.TotalMilliseconds:F1} ms, 1M took {large.TotalMilliseconds:F1} ms");
    }

    private static string Body(int length) => string.Concat(Enumerable.Repeat("code line é 🌈 ", length / 15 + 1))[..length].TrimEnd('\uD83C');

    private static TimeSpan Measure(string parser, string text)
    {
        var best = TimeSpan.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var events = new List<ParserEvent>();
            var p = ToolCallParserRegistry.Default.Create(parser);
            var start = Stopwatch.GetTimestamp();
            for (var i = 0; i < text.Length; i++)
            {
                p.Feed(text.AsSpan(i, 1), events);
                events.Clear();
            }
            p.Finish(events);
            var elapsed = Stopwatch.GetElapsedTime(start);
            Assert.DoesNotContain(events, e => e is ParseIssue);
            best = elapsed < best ? elapsed : best;
        }
        return best;
    }
}

/// <summary>Timing tests run alone: parallel tests' CPU and GC load would distort them.</summary>
[CollectionDefinition(nameof(LinearTimeTests), DisableParallelization = true)]
public sealed class LinearTimeCollection;
