using System.Text;
using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

public sealed class TokenMatcherTests
{
    private static readonly TokenVocabulary Vocabulary = TestVocabularies.ByteLevelBpe;

    private static int Id(string text) => TestVocabularies.Id(Vocabulary, text);

    private static int Special(string text) => Vocabulary.SpecialTokens[text];

    private static uint[] Mask(TokenMatcher matcher)
    {
        var mask = new uint[Vocabulary.MaskWords];
        matcher.FillMask(mask);
        return mask;
    }

    private static bool Allowed(TokenMatcher matcher, int token) => TokenBitmask.IsSet(Mask(matcher), token);

    private static TokenMatcher Matcher(Grammar grammar) => GrammarCompiler.Compile(grammar, Vocabulary).CreateMatcher();

    [Fact]
    public void MaskAgreesWithTryAdvanceForEveryToken()
    {
        var matcher = Matcher(Grammar.JsonSchema(JsonNode.Parse("""{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}""")));
        foreach (var step in new[] { "{\"", "a", "\": ", "\"", "中" })
        {
            var mask = Mask(matcher);
            for (var id = 0; id < Vocabulary.Size; id++)
            {
                Assert.Equal(TokenBitmask.IsSet(mask, id), matcher.IsAllowed(id));
            }
            Assert.True(matcher.TryAdvance(Id(step)), step);
        }
    }

    [Fact]
    public void PartialUtf8TokensAdvanceOnlyIntoWellFormedText()
    {
        var smile = Encoding.UTF8.GetBytes("🙂");
        var head = TokenWithBytes(smile[..2]);
        var tail = TokenWithBytes(smile[2..]);
        var matcher = Matcher(Grammar.JsonSchema(JsonNode.Parse("""{"type":"string"}""")));
        Assert.True(matcher.TryAdvance(Id("\"")));
        // A lone continuation byte cannot start a character.
        Assert.False(Allowed(matcher, tail));
        Assert.True(Allowed(matcher, head));
        Assert.True(matcher.TryAdvance(head));
        // Mid-character: only the continuation can follow, not a quote or ASCII.
        Assert.False(Allowed(matcher, Id("\"")));
        Assert.False(Allowed(matcher, Id("a")));
        Assert.True(Allowed(matcher, tail));
        Assert.False(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(tail));
        Assert.True(matcher.TryAdvance(Id("\"")));
        Assert.True(matcher.IsAccepting);
    }

    [Fact]
    public void SentencePieceByteFallbackTokensComposeCharacters()
    {
        var vocabulary = TestVocabularies.SentencePieceBpe;
        var matcher = GrammarCompiler.Compile(Grammar.Regex("é+"), vocabulary).CreateMatcher();
        var bytes = Encoding.UTF8.GetBytes("é");
        int Piece(byte b)
        {
            for (var id = 0; id < vocabulary.Size; id++)
            {
                if (vocabulary.GetTokenBytes(id).SequenceEqual(new[] { b })) return id;
            }
            throw new InvalidOperationException();
        }
        Assert.True(matcher.TryAdvance(Piece(bytes[0])));
        Assert.False(matcher.IsAllowed(Piece(bytes[0])));
        Assert.True(matcher.TryAdvance(Piece(bytes[1])));
        Assert.True(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(TestVocabularies.Id(vocabulary, "é")));
    }

    private static int TokenWithBytes(byte[] bytes)
    {
        for (var id = 0; id < Vocabulary.Size; id++)
        {
            if (!Vocabulary.IsSpecial(id) && Vocabulary.GetTokenBytes(id).SequenceEqual(bytes)) return id;
        }
        throw new InvalidOperationException();
    }

    [Fact]
    public void SpecialTokensAreMatchedOnlyByIdNeverByText()
    {
        var grammar = Grammar.Sequence(Grammar.Special(TestVocabularies.ToolCallStart), Grammar.Literal("x"));
        var matcher = Matcher(grammar);
        Assert.True(Allowed(matcher, Special(TestVocabularies.ToolCallStart)));
        Assert.False(Allowed(matcher, Id("<")));
        Assert.False(Allowed(matcher, Id("<tool_call")));
        Assert.False(matcher.TryAdvance(Id("<tool")));
        Assert.True(matcher.TryAdvance(Special(TestVocabularies.ToolCallStart)));
        Assert.True(matcher.TryAdvance(Id("x")));
        Assert.True(matcher.IsFinished);

        // And literal text never admits a special token that happens to spell it.
        var text = Matcher(Grammar.Literal(TestVocabularies.ToolCallStart));
        Assert.False(Allowed(text, Special(TestVocabularies.ToolCallStart)));
        Assert.True(Allowed(text, Id("<tool_call")));
    }

    [Fact]
    public void MarkerIsTheSpecialTokenWhenTheVocabularyHasOneAndTextOtherwise()
    {
        var special = Matcher(Grammar.Marker(TestVocabularies.ToolCallStart));
        Assert.True(Allowed(special, Special(TestVocabularies.ToolCallStart)));
        Assert.False(Allowed(special, Id("<tool_call")));

        var text = GrammarCompiler.Compile(Grammar.Marker("[TOOL_CALLS]"), Vocabulary).CreateMatcher();
        Assert.True(text.TryAdvance(Id("[")));
        Assert.True(text.TryAdvance(Id("T")));
    }

    [Fact]
    public void UnknownSpecialTokenIsAnError()
    {
        var unknown = Assert.Throws<UnknownSpecialTokenException>(() => GrammarCompiler.Compile(Grammar.Special("<|nope|>"), Vocabulary));
        Assert.Equal("'<|nope|>'", unknown.Token);
        Assert.DoesNotContain("(Parameter", unknown.Message);
        Assert.Throws<UnknownSpecialTokenException>(() => GrammarCompiler.Compile(Grammar.Special(Id("a")), Vocabulary));
        var byId = Matcher(Grammar.Special(Special(TestVocabularies.ToolCallEnd)));
        Assert.True(byId.TryAdvance(Special(TestVocabularies.ToolCallEnd)));
    }

    [Fact]
    public void EosIsAllowedExactlyInAcceptingStates()
    {
        var matcher = Matcher(Grammar.Regex("ab(cd)?"));
        var eos = Special(TestVocabularies.EndOfText);
        var imEnd = Special(TestVocabularies.ImEnd);
        Assert.False(Allowed(matcher, eos));
        Assert.False(matcher.TryAdvance(eos));
        Assert.True(matcher.TryAdvance(Id("a")));
        Assert.False(Allowed(matcher, eos));
        Assert.True(matcher.TryAdvance(Id("b")));
        Assert.True(matcher.IsAccepting);
        Assert.False(matcher.IsFinished);
        Assert.True(Allowed(matcher, eos));
        Assert.True(Allowed(matcher, imEnd));
        Assert.True(Allowed(matcher, Id("c")));
        Assert.True(matcher.TryAdvance(Id("c")));
        Assert.False(Allowed(matcher, eos));
        Assert.True(matcher.TryAdvance(Id("d")));
        // Complete and nothing can follow: finished, and only EOS is offered.
        Assert.True(matcher.IsFinished);
        var mask = Mask(matcher);
        Assert.Equal(2, TokenBitmask.Count(mask));
        Assert.True(matcher.TryAdvance(imEnd));
        Assert.True(matcher.IsTerminated);
        Assert.Equal(0, TokenBitmask.Count(Mask(matcher)));
        Assert.False(matcher.TryAdvance(Id("a")));
    }

    [Fact]
    public void RejectedTokenLeavesStateUnchanged()
    {
        var matcher = Matcher(Grammar.Regex("[0-9]+"));
        Assert.True(matcher.TryAdvance(Id("12")));
        var before = Mask(matcher);
        Assert.False(matcher.TryAdvance(Id("a")));
        Assert.False(matcher.TryAdvance(Id("1.")));
        Assert.Equal(before, Mask(matcher));
        Assert.Equal(1, matcher.TokenCount);
    }

    [Fact]
    public void CloneIsIndependentAndResetStartsOver()
    {
        var matcher = Matcher(Grammar.Choice(["get_weather", "get_time"]));
        Assert.True(matcher.TryAdvance(Id("get")));
        var clone = matcher.Clone();
        Assert.True(clone.TryAdvance(Id("_weather")));
        Assert.True(clone.IsFinished);
        Assert.False(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(Id("_")));
        Assert.True(matcher.TryAdvance(Id("t")));
        matcher.Reset();
        Assert.Equal(0, matcher.TokenCount);
        Assert.True(matcher.TryAdvance(Id("get")));
    }

    [Fact]
    public void RepeatHonoursMinimumAndMaximum()
    {
        var matcher = Matcher(Grammar.Repeat(Grammar.Literal("ab"), 2, 3, Grammar.Literal(",")));
        foreach (var piece in new[] { "a", "b", "," })
        {
            Assert.False(matcher.IsAccepting);
            Assert.True(matcher.TryAdvance(Id(piece)));
        }
        Assert.True(matcher.TryAdvance(Id("a")));
        Assert.True(matcher.TryAdvance(Id("b")));
        Assert.True(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(Id(",")));
        Assert.True(matcher.TryAdvance(Id("a")));
        Assert.True(matcher.TryAdvance(Id("b")));
        Assert.True(matcher.IsFinished);
        Assert.False(Allowed(matcher, Id(",")));
    }

    [Fact]
    public void LazyTriggerLeavesFreeTextAloneUntilTheTriggerThenConstrains()
    {
        var call = Grammar.Sequence(
            Grammar.Marker(TestVocabularies.ToolCallStart),
            Grammar.Literal("\n{\"name\": \"get_weather\", \"arguments\": "),
            Grammar.JsonSchema(JsonNode.Parse("""{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}""")),
            Grammar.Literal("}\n"),
            Grammar.Marker(TestVocabularies.ToolCallEnd));
        var matcher = Matcher(Grammar.Lazy([TestVocabularies.ToolCallStart], Grammar.Repeat(call, 1, null)));
        // Free text: anything, and ending is allowed.
        Assert.True(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(Id(" the")));
        Assert.True(matcher.TryAdvance(Id("{\"")));
        Assert.True(matcher.TryAdvance(Id("<tool")));
        // Spelling the trigger out in text is refused: the trigger is the special token.
        Assert.True(matcher.TryAdvance(Id("_call")));
        Assert.False(matcher.IsAllowed(Id(">")));
        Assert.False(matcher.IsAllowed(Id(">\n")));
        Assert.True(matcher.TryAdvance(Special(TestVocabularies.ToolCallStart)));
        // Now constrained: free text no longer allowed, and the call must complete before EOS.
        Assert.False(matcher.IsAccepting);
        Assert.False(matcher.IsAllowed(Id(" the")));
        foreach (var piece in "\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n".Select(c => c.ToString()))
        {
            Assert.True(matcher.TryAdvance(Id(piece)), piece);
        }
        Assert.False(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(Special(TestVocabularies.ToolCallEnd)));
        Assert.True(matcher.IsAccepting);
        Assert.True(matcher.IsAllowed(Special(TestVocabularies.ToolCallStart)));
    }

    [Fact]
    public void TextTriggerSplitAcrossTokensStartsTheGrammar()
    {
        // With a plain-text trigger (no special token), "<tool" + "_call" + ">" must lead into the constrained body.
        var body = Grammar.Sequence(Grammar.Literal("<call>"), Grammar.Regex("[0-9]+"), Grammar.Literal("</call>"));
        var matcher = Matcher(Grammar.Lazy(["<call>"], body));
        Assert.True(matcher.TryAdvance(Id("the")));
        foreach (var piece in new[] { "<", "c", "a", "ll", ">" }) Assert.True(matcher.TryAdvance(Id(piece)), piece);
        Assert.False(matcher.IsAllowed(Id("x")));
        Assert.True(matcher.TryAdvance(Id("42")));
        Assert.False(matcher.IsAccepting);
    }

    [Fact]
    public void ReasoningSectionIsFreeUntilTheEndMarker()
    {
        var grammar = Grammar.Sequence(
            Grammar.FreeText(TestVocabularies.ThinkEnd),
            Grammar.Marker(TestVocabularies.ThinkEnd),
            Grammar.JsonSchema(JsonNode.Parse("""{"enum":["yes","no"]}""")));
        var matcher = Matcher(grammar);
        Assert.True(matcher.TryAdvance(Id("think")));
        Assert.True(matcher.TryAdvance(Id(" the")));
        Assert.False(matcher.IsAccepting);
        Assert.True(matcher.TryAdvance(Special(TestVocabularies.ThinkEnd)));
        Assert.False(matcher.IsAllowed(Id("think")));
        Assert.True(matcher.TryAdvance(Id("\"")));
        Assert.True(matcher.TryAdvance(Id("y")));
    }

    [Fact]
    public void RequiredToolChoiceForcesAtLeastOneCallOfAKnownTool()
    {
        Grammar Call(string name, string schema) => Grammar.Sequence(
            Grammar.Marker(TestVocabularies.ToolCallStart),
            Grammar.Literal($"\n{{\"name\": \"{name}\", \"arguments\": "),
            Grammar.JsonSchema(JsonNode.Parse(schema)),
            Grammar.Literal("}\n"),
            Grammar.Marker(TestVocabularies.ToolCallEnd));
        var anyCall = Grammar.Alternatives(
            Call("get_weather", """{"type":"object","properties":{"city":{"type":"string","maxLength":10}},"required":["city"]}"""),
            Call("search", """{"type":"object","properties":{"q":{"type":"string","maxLength":10}},"required":["q"]}"""));
        var compiled = GrammarCompiler.Compile(Grammar.Repeat(anyCall, 1, null, Grammar.Literal("\n")), Vocabulary);
        var generator = new RandomGeneration(Vocabulary, 11);
        for (var i = 0; i < 50; i++)
        {
            var result = generator.Generate(compiled.CreateMatcher());
            Assert.True(result.EndedWithEos);
            Assert.Equal(Special(TestVocabularies.ToolCallStart), result.Tokens[0]);
            var calls = new List<string>();
            var current = new List<byte>();
            foreach (var token in result.Tokens)
            {
                if (token == Special(TestVocabularies.ToolCallStart)) current.Clear();
                else if (token == Special(TestVocabularies.ToolCallEnd)) calls.Add(Encoding.UTF8.GetString([.. current]));
                else current.AddRange(Vocabulary.GetTokenBytes(token).ToArray());
            }
            Assert.NotEmpty(calls);
            Assert.Equal(calls.Count, result.Tokens.Count(t => t == Special(TestVocabularies.ToolCallStart)));
            foreach (var call in calls)
            {
                var json = JsonNode.Parse(call)!;
                Assert.Contains(json["name"]!.GetValue<string>(), new[] { "get_weather", "search" });
                Assert.NotNull(json["arguments"]);
            }
        }
    }

    [Fact]
    public void FillMaskRejectsShortBuffers() =>
        Assert.Throws<ArgumentException>(() => Matcher(Grammar.Literal("a")).FillMask(new uint[1]));
}
