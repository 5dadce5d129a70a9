using System.Text.Json;

namespace Cluster.Constraints.Tests;

public sealed class JsonSchemaSuiteTests
{
    private const int GenerationsPerSchema = 200;

    public static TheoryData<string> VocabularyNames => ["byte-level", "sentencepiece"];

    private static int StableSeed(string name)
    {
        var hash = 17;
        foreach (var c in name) hash = hash * 31 + c;
        return hash;
    }

    [Theory]
    [MemberData(nameof(VocabularyNames))]
    public void RandomGenerationsAlwaysValidateAgainstTheirSchemas(string vocabularyName)
    {
        var vocabulary = vocabularyName == "byte-level" ? TestVocabularies.ByteLevelBpe : TestVocabularies.SentencePieceBpe;
        Assert.True(SchemaCorpus.All.Count >= 30);
        var cases = new List<(string, System.Text.Json.Nodes.JsonNode, IReadOnlyList<string>)>();
        var distinct = 0;
        foreach (var (name, schemaText) in SchemaCorpus.All)
        {
            var schema = SchemaCorpus.Parse(schemaText);
            var compiled = GrammarCompiler.Compile(Grammar.JsonSchema(schema), vocabulary);
            var generator = new RandomGeneration(vocabulary, seed: StableSeed(name)) { EosProbability = 0.5 };
            var instances = new List<string>();
            for (var i = 0; i < GenerationsPerSchema; i++)
            {
                var result = generator.Generate(compiled.CreateMatcher());
                Assert.True(result.EndedWithEos, $"{name}: no EOS within {generator.MaxTokens} tokens: {result.Text[..Math.Min(200, result.Text.Length)]}");
                string text;
                try
                {
                    text = result.Text;
                }
                catch (System.Text.DecoderFallbackException e)
                {
                    throw new Xunit.Sdk.XunitException($"{name}: malformed UTF-8 ({e.Message}) in {Convert.ToHexString(result.Bytes)}");
                }
                using (JsonDocument.Parse(text))
                {
                }
                instances.Add(text);
            }
            distinct += instances.Distinct().Count();
            cases.Add((name, schema, instances));
        }
        var failures = PythonJsonSchemaValidator.Validate(cases);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"{f.Name}: {f.Instance} -> {f.Error}")));
        // Random generation must explore, not repeat one canned answer.
        Assert.True(distinct > SchemaCorpus.All.Count * GenerationsPerSchema / 2, $"only {distinct} distinct outputs");
    }
}
