using Cluster.Parsers.Reasoning;

namespace Cluster.Parsers.Tests;

public sealed class ReasoningTests
{
    private static ToolCallParseResult Run(IToolCallParser parser, string text, IEnumerable<int> pieces) =>
        ToolCallResultBuilder.Build(EventSequence.Run(parser, text, pieces));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void Think_block_is_reasoning_in_any_chunking(int piece)
    {
        var r = Run(ReasoningParserRegistry.Default.Create("qwen3"), "<think>I should add.</think>The sum is 4.", Enumerable.Repeat(piece, 100));
        Assert.Equal("I should add.", r.Reasoning);
        Assert.Equal("The sum is 4.", r.Content);
    }

    [Fact]
    public void Template_opened_think_makes_leading_text_reasoning()
    {
        var r = Run(ReasoningParserRegistry.Default.Create("qwen3", startedInPrompt: true), "Hmm, 2+2.</think>4", [2, 2, 2, 2, 2, 2, 2, 2, 2]);
        Assert.Equal("Hmm, 2+2.", r.Reasoning);
        Assert.Equal("4", r.Content);
        var r1 = Run(ReasoningParserRegistry.Default.Create("deepseek_r1"), "<think>\nwhy</think>because", [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        Assert.Equal("\nwhy", r1.Reasoning);
        Assert.Equal("because", r1.Content);
    }

    [Theory]
    [InlineData("seed_oss", "<seed:think>plan</seed:think>go")]
    [InlineData("mistral", "[THINK]plan[/THINK]go")]
    [InlineData("cohere_command", "<|START_THINKING|>plan<|END_THINKING|>go")]
    public void Other_reasoning_markers(string name, string text)
    {
        var r = Run(ReasoningParserRegistry.Default.Create(name), text, EventSequence.Chars(text));
        Assert.Equal("plan", r.Reasoning);
        Assert.Equal("go", r.Content);
    }

    [Fact]
    public void Calls_inside_reasoning_are_not_calls_when_composed()
    {
        // vLLM's minimax vector: the call inside <think> must be ignored.
        var v = ParserVector.Vectors.Single(x => x.Parser == "minimax" && x.Output.StartsWith("<think>", StringComparison.Ordinal));
        var parser = ToolCallParserRegistry.Default.Create("minimax", new ToolCallParserOptions { ReasoningParser = "qwen3" });
        var r = Run(parser, v.Output, EventSequence.Chars(v.Output));
        Assert.Equal(["get_current_weather"], r.ToolCalls.Select(c => c.Name));
        Assert.Contains("ignored_tool", r.Reasoning);
        Assert.Equal("Let me help you with the weather.", r.Content?.Trim());
    }

    [Fact]
    public void Harmony_channels_split_reasoning_content_and_calls()
    {
        const string text = "<|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{\"city\": \"Paris\"}<|call|><|start|>assistant<|channel|>final<|message|>It is sunny.<|return|>";
        foreach (var pieces in new[] { EventSequence.Chars(text), [text.Length], [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7] })
        {
            var r = Run(ToolCallParserRegistry.Default.Create("openai", new ToolCallParserOptions { IdSeed = 1 }), text, pieces);
            Assert.Equal("Need the weather.", r.Reasoning);
            Assert.Equal("It is sunny.", r.Content);
            Assert.Equal("get_weather", r.ToolCalls.Single().Name);
            Assert.Equal("{\"city\": \"Paris\"}", r.ToolCalls.Single().Arguments);
            Assert.Equal(ParseStatus.Ok, r.Status);
        }
    }
}
