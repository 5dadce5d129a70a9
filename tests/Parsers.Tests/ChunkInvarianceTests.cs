using System.Text.Json.Nodes;

namespace Cluster.Parsers.Tests;

/// <summary>
/// The final content, reasoning and calls never depend on how the text was split: every two-piece split, character
/// by character and random pieces all equal one-shot parsing, for the fixtures and for generated calls.
/// </summary>
public sealed class ChunkInvarianceTests
{
    public static IEnumerable<object[]> Formats => CallRenderer.Formats.Select(f => new object[] { f.Parser });

    [Theory]
    [MemberData(nameof(ParserVector.Cases), MemberType = typeof(ParserVector))]
    public void Every_two_piece_split_of_a_vector_gives_the_one_shot_result(int index, string label)
    {
        var v = ParserVector.Vectors[index];
        var options = new ToolCallParserOptions { Tools = v.Tools, IdSeed = 3 };
        var expected = EventSequence.Merged(EventSequence.Run(ToolCallParserRegistry.Default.Create(v.Parser, options), v.Output, [v.Output.Length + 1]));
        for (var split = 1; split < v.Output.Length; split++)
        {
            var events = EventSequence.Run(ToolCallParserRegistry.Default.Create(v.Parser, options), v.Output, [split, v.Output.Length]);
            Assert.True(expected == EventSequence.Merged(events), $"{label}: split at {split} differs");
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Generated_calls_parse_exactly_in_every_chunking(string parser)
    {
        var rawStrings = CallRenderer.Formats.First(f => f.Parser == parser).RawStrings;
        // PARSER_PROPERTY_ROUNDS and PARSER_PROPERTY_SEED widen the search locally.
        var rounds = int.TryParse(Environment.GetEnvironmentVariable("PARSER_PROPERTY_ROUNDS"), out var r) ? r : 25;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("PARSER_PROPERTY_SEED"), out var s) ? s : 0;
        var random = new Random(FuzzTests.StableSeed(parser) + seed);
        for (var round = 0; round < rounds; round++)
        {
            var calls = new CallGenerator(random, rawStrings).Calls(random.Next(1, 4));
            var prose = round % 3 == 0 ? "" : "Let me check é 北京 🌈 for you. ";
            var text = prose + CallRenderer.Render(parser, calls);
            var options = new ToolCallParserOptions { Tools = CallRenderer.Tools(calls), IdSeed = round };
            IToolCallParser Create() => ToolCallParserRegistry.Default.Create(parser, options);

            var oneShot = Create().ParseComplete(text);
            Assert.True(oneShot.Status == ParseStatus.Ok, $"{parser}: {string.Join("; ", oneShot.Errors.Select(e => e.Message))}\n{text}");
            Assert.Equal(string.IsNullOrWhiteSpace(prose) ? null : prose.Trim(), string.IsNullOrWhiteSpace(oneShot.Content) ? null : oneShot.Content.Trim());
            Assert.Equal(calls.Select(c => c.Name), oneShot.ToolCalls.Select(c => c.Name));
            for (var i = 0; i < calls.Count; i++)
            {
                JsonAssert.Equal(calls[i].Args, oneShot.ToolCalls[i].Arguments, $"{parser} round {round} call {i}\n{text}");
            }

            var merged = EventSequence.Merged(EventSequence.Run(Create(), text, [text.Length + 1]));
            Assert.Equal(merged, EventSequence.Merged(EventSequence.Run(Create(), text, EventSequence.Chars(text))));
            Assert.Equal(merged, EventSequence.Merged(EventSequence.Run(Create(), text, EventSequence.Random(random, 9))));
            // Every two-piece split for the first rounds, a sample of them afterwards.
            for (var split = 1; split < text.Length; split += round < 4 ? 1 : Math.Max(1, text.Length / 40))
            {
                Assert.Equal(merged, EventSequence.Merged(EventSequence.Run(Create(), text, [split, text.Length])));
            }
        }
    }
}
