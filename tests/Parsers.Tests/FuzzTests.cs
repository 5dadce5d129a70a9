using System.Text;

namespace Cluster.Parsers.Tests;

/// <summary>
/// Random and mutated outputs never throw, always yield a valid delta sequence, and stay chunk-invariant
/// (malformed text included).
/// </summary>
public sealed class FuzzTests
{
    public static IEnumerable<object[]> Parsers => ToolCallParserRegistry.Default.Names.Select(n => new object[] { n });

    private static readonly Lazy<string[]> Pieces = new(() =>
    {
        var pieces = new List<string> { "{", "}", "[", "]", "(", ")", "\"", "'", ":", ",", "=", ";", "\\", "\n", " ", "a", "name", "\"name\"", "\"arguments\"", "1", "-2.5e3", "true", "None", "é", "🌈", "<", ">", "|", "｜", "```" };
        foreach (var name in ToolCallParserRegistry.Default.Names)
        {
            if (ToolCallParserRegistry.Default.FindSpec(name) is { } spec)
            {
                foreach (var s in spec.Sections)
                {
                    pieces.Add(s.Start);
                    pieces.AddRange(s.End is null ? [] : [s.End]);
                }
                pieces.AddRange(new[] { spec.Call.Start, spec.Call.End, spec.Payload.FunctionStart, spec.Payload.FunctionEnd, spec.Payload.ParameterStart, spec.Payload.ParameterEnd }.OfType<string>());
                pieces.AddRange(spec.Payload.NameTerminators);
            }
        }
        pieces.AddRange(["<|channel|>", "<|message|>", "<|call|>", "<|end|>", "<|start|>", "analysis", "final", "commentary to=functions.f", ">>>", "<think>", "</think>"]);
        return pieces.Distinct().ToArray();
    });

    [Theory]
    [MemberData(nameof(Parsers))]
    public void Random_and_mutated_outputs_never_throw_and_stay_chunk_invariant(string parser)
    {
        // PARSER_FUZZ_ROUNDS and PARSER_FUZZ_SEED widen the search locally; the defaults keep the suite fast and repeatable.
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("PARSER_FUZZ_ROUNDS"), out var r) ? r : 150;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PARSER_FUZZ_SEED"), out var s) ? s : 0;
        var random = new Random(StableSeed(parser) + seed);
        var seeds = ParserVector.Vectors.Select(v => v.Output).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            var text = round % 2 == 0 ? RandomText(random) : Mutate(random, seeds[random.Next(seeds.Length)]);
            var options = new ToolCallParserOptions { IdSeed = round };
            IToolCallParser Create() => ToolCallParserRegistry.Default.Create(parser, options);
            // Not only the final result: the whole event sequence may differ only in how text is fragmented.
            var oneShot = EventSequence.Merged(EventSequence.Run(Create(), text, [text.Length + 1]));
            var byChar = EventSequence.Merged(EventSequence.Run(Create(), text, EventSequence.Chars(text)));
            var pieces = EventSequence.Merged(EventSequence.Run(Create(), text, EventSequence.Random(random, 6)));
            Assert.True(oneShot == byChar, $"{parser}: char-by-char differs for {Escape(text)}\n{oneShot}\n{byChar}");
            Assert.True(oneShot == pieces, $"{parser}: random pieces differ for {Escape(text)}\n{oneShot}\n{pieces}");
        }
    }

    private static string RandomText(Random random)
    {
        var sb = new StringBuilder();
        for (var i = random.Next(1, 40); i > 0; i--)
        {
            sb.Append(Pieces.Value[random.Next(Pieces.Value.Length)]);
        }
        return sb.ToString();
    }

    private static string Mutate(Random random, string text)
    {
        var sb = new StringBuilder(text);
        for (var i = random.Next(1, 4); i > 0 && sb.Length > 0; i--)
        {
            var at = random.Next(sb.Length);
            var len = Math.Min(random.Next(1, 8), sb.Length - at);
            switch (random.Next(4))
            {
                case 0:
                    sb.Remove(at, len);
                    break;
                case 1:
                    sb.Insert(at, sb.ToString(at, len));
                    break;
                case 2:
                    sb.Insert(at, Pieces.Value[random.Next(Pieces.Value.Length)]);
                    break;
                default:
                    sb.Length = at;
                    break;
            }
        }
        return sb.ToString();
    }

    /// <summary>string.GetHashCode differs between runs; this does not.</summary>
    internal static int StableSeed(string text) => text.Aggregate(17, (h, c) => unchecked(h * 31 + c)) & 0x7FFFFFFF;

    private static string Escape(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
