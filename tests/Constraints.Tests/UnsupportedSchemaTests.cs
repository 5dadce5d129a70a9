using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

public sealed class UnsupportedSchemaTests
{
    private static UnsupportedSchemaException Reject(string schema, JsonSchemaOptions? options = null) =>
        Assert.Throws<UnsupportedSchemaException>(() =>
            GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse(schema), options), TestVocabularies.ByteLevelBpe));

    [Theory]
    [InlineData("""{"type":"object","properties":{"a":{"not":{"type":"string"}}}}""", "not", "/properties/a")]
    [InlineData("""{"if":{"type":"string"},"then":{"maxLength":3}}""", "if", "")]
    [InlineData("""{"type":"array","uniqueItems":true}""", "uniqueItems", "")]
    [InlineData("""{"type":"object","dependentRequired":{"a":["b"]}}""", "dependentRequired", "")]
    [InlineData("""{"type":"object","patternProperties":{"^x":{}}}""", "patternProperties", "")]
    [InlineData("""{"type":"integer","multipleOf":5}""", "multipleOf", "")]
    [InlineData("""{"type":"number","multipleOf":1}""", "multipleOf", "")]
    [InlineData("""{"type":"object","minProperties":2}""", "minProperties", "")]
    [InlineData("""{"type":"array","contains":{"type":"string"}}""", "contains", "")]
    [InlineData("""{"type":"object","properties":{"list":{"type":"array","items":{"propertyNames":{"maxLength":2}}}}}""", "propertyNames", "/properties/list/items")]
    [InlineData("""{"type":"string","format":"hostname"}""", "format", "")]
    [InlineData("""{"type":"string","pattern":"(a)\\1"}""", "pattern", "")]
    [InlineData("""{"type":"string","pattern":"^[a-z]+$","maxLength":5}""", "maxLength", "")]
    [InlineData("""{"type":"string","format":"date","minLength":11}""", "minLength", "")]
    [InlineData("""{"type":"number","minimum":0.123456789}""", "minimum", "")]
    [InlineData("""{"$ref":"https://example.com/schema.json"}""", "$ref", "")]
    [InlineData("""{"$ref":"#/$defs/missing"}""", "$ref", "")]
    [InlineData("""{"type":"array","items":[{"type":"string"}]}""", "items", "")]
    public void UnenforceableKeywordsAreNamedWithTheirLocation(string schema, string keyword, string pointer)
    {
        var error = Reject(schema);
        Assert.Equal(keyword, error.Keyword);
        Assert.Equal(pointer, error.SchemaPointer);
        Assert.Contains(keyword, error.Message);
    }

    [Fact]
    public void NonStrictModeIgnoresWhatItCannotEnforce()
    {
        var compiled = GrammarCompiler.Compile(
            Grammar.JsonSchema(JsonNode.Parse("""{"type":"array","items":{"type":"integer","minimum":0,"maximum":3},"uniqueItems":true,"maxItems":2}"""), new JsonSchemaOptions { Strict = false }),
            TestVocabularies.ByteLevelBpe);
        var result = new RandomGeneration(TestVocabularies.ByteLevelBpe, 1).Generate(compiled.CreateMatcher());
        var array = JsonNode.Parse(result.Text)!.AsArray();
        Assert.True(array.Count <= 2);
        Assert.All(array, v => Assert.InRange(v!.GetValue<int>(), 0, 3));
    }

    [Theory]
    [InlineData("""{"type":"string","description":"d","title":"t","default":"x","examples":["y"],"$comment":"c","x-vendor":1}""")]
    [InlineData("""{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"urn:x","type":"boolean","deprecated":false}""")]
    [InlineData("""{"type":"array","uniqueItems":false,"items":{"type":"integer","multipleOf":1}}""")]
    [InlineData("""{"type":"string","format":"email","maxLength":254}""")]
    [InlineData("""{"type":"string","pattern":"^[A-Z]{2}[0-9]{1,4}$","minLength":3,"maxLength":6}""")]
    public void AnnotationsAndNoOpKeywordsAreAccepted(string schema) =>
        GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse(schema)), TestVocabularies.ByteLevelBpe);
}
