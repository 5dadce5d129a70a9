using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

public sealed class JsonSchemaGrammarTests
{
    private static readonly TokenVocabulary Vocabulary = TestVocabularies.ByteLevelBpe;

    private static ByteAutomatonAdapter Accepts(string schema, JsonSchemaOptions? options = null) =>
        new(GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse(schema), options), Vocabulary));

    /// <summary>Feeds text byte by byte (as single-byte tokens) and reports whether the grammar accepts it whole.</summary>
    internal sealed class ByteAutomatonAdapter(CompiledGrammar grammar)
    {
        public bool Matches(string text)
        {
            var matcher = grammar.CreateMatcher();
            foreach (var b in System.Text.Encoding.UTF8.GetBytes(text))
            {
                if (!matcher.TryAdvance(b)) return false; // ids 0..255 are the single bytes
            }
            return matcher.IsAccepting;
        }
    }

    [Fact]
    public void PropertiesComeInDeclaredOrderWithOptionalOnesSkippable()
    {
        var schema = Accepts("""{"type":"object","properties":{"a":{"type":"integer"},"b":{"type":"integer"},"c":{"type":"integer"}},"required":["b"]}""");
        Assert.True(schema.Matches("""{"b": 1}"""));
        Assert.True(schema.Matches("""{"a": 1, "b": 2, "c": 3}"""));
        Assert.True(schema.Matches("""{"a":1,"b":2}"""));
        Assert.True(schema.Matches("""{"b": 2, "c": 3}"""));
        Assert.False(schema.Matches("""{"a": 1}"""));
        Assert.False(schema.Matches("""{"b": 2, "a": 1}"""));
        Assert.False(schema.Matches("""{"b": 2,}"""));
        Assert.False(schema.Matches("""{"b": 2, "d": 1}"""));
    }

    [Fact]
    public void AdditionalPropertiesNeverRepeatADeclaredName()
    {
        var schema = Accepts("""{"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":{"type":"boolean"}}""");
        Assert.True(schema.Matches("""{"id": 1, "idx": true, "i": false}"""));
        Assert.True(schema.Matches("""{"other": true}"""));
        Assert.False(schema.Matches("""{"id": 1, "id": true}"""));
        Assert.False(schema.Matches("""{"id": true}"""));
    }

    [Fact]
    public void WhitespaceBetweenTokensIsBounded()
    {
        var schema = Accepts("""{"type":"array","items":{"type":"integer"}}""");
        Assert.True(schema.Matches("[1, 2,\n  3]"));
        Assert.True(schema.Matches("[    1]"));
        Assert.False(schema.Matches("[     1]"));
        var relaxed = Accepts("""{"type":"array","items":{"type":"integer"}}""", new JsonSchemaOptions { MaxWhitespace = 8 });
        Assert.True(relaxed.Matches("[        1]"));
    }

    [Fact]
    public void StringLengthsCountCharactersNotBytes()
    {
        var schema = Accepts("""{"type":"string","minLength":2,"maxLength":3}""");
        Assert.True(schema.Matches("\"中文\""));
        Assert.True(schema.Matches("\"🙂🙂🙂\""));
        Assert.True(schema.Matches("\"a\\nb\""));
        Assert.False(schema.Matches("\"🙂🙂🙂🙂\""));
        Assert.False(schema.Matches("\"中\""));
    }

    [Fact]
    public void PatternsApplyToTheDecodedStringWithJsonEscapes()
    {
        var schema = Accepts("""{"type":"string","pattern":"^a\"b\\\\c\\n$"}""");
        Assert.True(schema.Matches("\"a\\\"b\\\\c\\n\""));
        Assert.False(schema.Matches("\"a\"b\\c\n\""));
    }

    [Fact]
    public void RecursiveReferencesNestAndClose()
    {
        var schema = Accepts("""{"$defs":{"n":{"type":"object","properties":{"v":{"type":"integer"},"kids":{"type":"array","items":{"$ref":"#/$defs/n"}}},"required":["v"]}},"$ref":"#/$defs/n"}""");
        Assert.True(schema.Matches("""{"v": 1, "kids": [{"v": 2}, {"v": 3, "kids": [{"v": 4, "kids": []}]}]}"""));
        Assert.False(schema.Matches("""{"v": 1, "kids": [{"w": 2}]}"""));
        Assert.False(schema.Matches("""{"v": 1, "kids": [{"v": 2}}"""));
    }

    [Fact]
    public void FormatsMatchTheirShapes()
    {
        Assert.True(Accepts("""{"format":"date-time","type":"string"}""").Matches("\"2024-02-28T13:45:00.123+02:00\""));
        Assert.False(Accepts("""{"format":"date","type":"string"}""").Matches("\"2024-02-30\""));
        Assert.True(Accepts("""{"format":"ipv4","type":"string"}""").Matches("\"192.168.0.255\""));
        Assert.False(Accepts("""{"format":"ipv4","type":"string"}""").Matches("\"192.168.0.256\""));
        Assert.True(Accepts("""{"format":"uuid","type":"string"}""").Matches("\"123e4567-e89b-12d3-a456-426614174000\""));
        Assert.True(Accepts("""{"format":"email","type":"string"}""").Matches("\"first.last@example.co\""));
    }

    [Fact]
    public void EqualSchemasShareOneCompiledGrammar()
    {
        var a = GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse("""{"type":"integer"}""")), Vocabulary);
        var b = GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse("""{"type":"integer"}""")), Vocabulary);
        var c = GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse("""{"type":"integer"}"""), new JsonSchemaOptions { MaxWhitespace = 1 }), Vocabulary);
        Assert.Same(a, b);
        Assert.NotSame(a, c);
    }
}
