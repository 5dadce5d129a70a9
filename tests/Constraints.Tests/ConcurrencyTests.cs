using System.Text.Json.Nodes;

namespace Cluster.Constraints.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task MatchersOnOneCompiledGrammarAgreeAcrossThreads()
    {
        // Threads race to build the shared lazy DFA and mask cache; each must see exactly what a lone thread sees.
        var vocabulary = TestVocabularies.ByteLevelBpe;
        var schema = JsonNode.Parse("""{"type":"object","properties":{"name":{"type":"string","maxLength":30},"tags":{"type":"array","items":{"type":"string"},"maxItems":4},"n":{"type":"integer","minimum":-5,"maximum":500}},"required":["name","tags","n"]}""");
        string[] Run(CompiledGrammar compiled) => [.. Enumerable.Range(0, 8).Select(seed => new RandomGeneration(vocabulary, seed).Generate(compiled.CreateMatcher()).Text)];

        var expected = Run(GrammarCompiler.CompileUncached(Grammar.JsonSchema(schema), vocabulary));
        var shared = GrammarCompiler.CompileUncached(Grammar.JsonSchema(schema), vocabulary);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Run(shared))));
        Assert.All(results, result => Assert.Equal(expected, result));
    }
}
