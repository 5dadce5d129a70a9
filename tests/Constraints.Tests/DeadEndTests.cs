using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

public sealed class DeadEndTests
{
    private static readonly TokenVocabulary Vocabulary = TestVocabularies.ByteLevelBpe;

    private static int Id(string text) => TestVocabularies.Id(Vocabulary, text);

    [Fact]
    public void NumberPrefixesThatCannotBeCompletedAreNeverAllowed()
    {
        // "3" starts no number in [0, 3): offering it would strand the generation.
        var schema = JsonNode.Parse("""{"type":"number","minimum":0,"exclusiveMaximum":3}""");
        var matcher = GrammarCompiler.Compile(Grammar.JsonSchema(schema), Vocabulary).CreateMatcher();
        Assert.False(matcher.IsAllowed(Id("3")));
        Assert.True(matcher.IsAllowed(Id("2")));
    }

    [Fact]
    public void BranchesEndingInNothingArePruned()
    {
        var grammar = Grammar.Sequence(Grammar.Literal("a"), Grammar.Alternatives(Grammar.Literal("b"), Grammar.Sequence(Grammar.Literal("c"), Grammar.Nothing)));
        var matcher = GrammarCompiler.Compile(grammar, Vocabulary).CreateMatcher();
        Assert.True(matcher.TryAdvance(Id("a")));
        Assert.False(matcher.IsAllowed(Id("c")));
        Assert.True(matcher.IsAllowed(Id("b")));
    }

    [Theory]
    [InlineData("false", "")]
    [InlineData("""{"enum":[]}""", "")]
    [InlineData("""{"type":"object","properties":{"a":false},"required":["a"]}""", "")]
    [InlineData("""{"type":"array","items":{"type":"object","properties":{"a":false},"required":["a"]},"minItems":1}""", "")]
    public void GrammarsThatMatchNothingAreRejectedAtCompileTime(string schema, string pointer)
    {
        var error = Assert.Throws<UnsatisfiableGrammarException>(() => GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse(schema)), Vocabulary));
        Assert.Equal(pointer, error.SchemaPointer);
        Assert.DoesNotContain("(Parameter", error.Message);
    }

    [Fact]
    public void GrammarsBuiltInCodeThatMatchNothingAreRejectedWithoutASchemaPointer()
    {
        var error = Assert.Throws<UnsatisfiableGrammarException>(() => GrammarCompiler.Compile(Grammar.Choice([]), Vocabulary));
        Assert.Null(error.SchemaPointer);
    }

    [Fact]
    public void AReferenceToItselfIsALeftRecursionNotAnEmptyGrammar()
    {
        var error = Assert.Throws<UnsupportedSchemaException>(() =>
            GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse("""{"$defs":{"loop":{"$ref":"#/$defs/loop"}},"$ref":"#/$defs/loop"}""")), Vocabulary));
        Assert.Equal("$ref", error.Keyword);
    }
}
