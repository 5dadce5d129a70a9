using Cluster.Constraints;
using Cluster.Constraints.Tests;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;
using Cluster.Engine.TinyModels;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.Tests;

/// <summary>
/// The constraint suite's ≥ 30 schemas through real forward passes: a tiny random-weight model at temperature 1.0,
/// batched by the engine; every output must parse and validate against its schema with a real JSON Schema validator.
/// A random model spreads probability over ~1,500 tokens, so a string would take ~1,000 tokens to close; logit biases
/// towards the end-of-sequence token and the quote character shorten outputs. Biases change probabilities, never what
/// the grammar allows, so validity is still entirely the constraint's doing. A generation that a random model cannot
/// finish within its token budget (a search pattern it never happens to satisfy) is cut by length, not made invalid:
/// every output that ended validates, and nearly all end.
/// </summary>
public sealed class ConstrainedSchemaSuiteTests : IDisposable
{
    private const int GenerationsPerSchema = 8;
    private readonly TinyModelDirectory _directory = new(TinyModelArchitecture.Qwen2, seed: 2);
    private readonly ModelFolder _folder;

    public ConstrainedSchemaSuiteTests() => _folder = ModelFolder.Load(_directory.Path);

    public void Dispose()
    {
        _folder.Dispose();
        _directory.Dispose();
    }

    [Fact]
    public async Task Every_generation_of_every_schema_validates()
    {
        var tokenizer = _folder.Tokenizer;
        var eos = tokenizer.EosTokenIds;
        var vocabulary = ConstraintVocabulary.Create(tokenizer, eos);
        var bias = eos.ToDictionary(id => id, _ => 8f);
        foreach (int quote in tokenizer.Encode("\"", allowSpecialTokens: false)) bias[quote] = 5f;
        await using var engine = new InferenceEngine(_folder.Config, _folder.Weights, new EngineOptions { MaxSequenceLength = 1024, MaxSequences = 16 });
        await engine.Ready;
        var prompt = tokenizer.Encode("JSON:", allowSpecialTokens: false);

        var cases = new List<(string, System.Text.Json.Nodes.JsonNode, IReadOnlyList<string>)>();
        Assert.True(SchemaCorpus.All.Count >= 30);
        var runs = SchemaCorpus.All.Select(async entry =>
        {
            var compiled = GrammarCompiler.Compile(Grammar.JsonSchema(SchemaCorpus.Parse(entry.Schema)), vocabulary);
            var outputs = await Task.WhenAll(Enumerable.Range(0, GenerationsPerSchema).Select(async i =>
            {
                var request = new GenerationRequest(prompt, new SamplingParameters { Temperature = 1f, Seed = (ulong)(i + 1), LogitBias = bias }, 1000)
                {
                    StopTokenIds = eos.ToHashSet(),
                    Constraint = compiled.CreateMatcher(),
                };
                var ids = new List<int>();
                FinishReason? finish = null;
                await foreach (var token in engine.GenerateAsync(request)) { ids.Add(token.TokenId); finish = token.Finish; }
                Assert.True(finish is FinishReason.Stop or FinishReason.Length, $"{entry.Name}: ended with {finish}");
                return finish == FinishReason.Stop ? tokenizer.Decode(ids, skipSpecialTokens: true) : null;
            }));
            return (entry.Name, SchemaCorpus.Parse(entry.Schema), outputs);
        });
        var results = await Task.WhenAll(runs);
        int total = results.Sum(r => r.outputs.Length), ended = results.Sum(r => r.outputs.Count(o => o is not null));
        Assert.True(ended >= total * 95 / 100, $"only {ended} of {total} generations ended within the budget");
        cases.AddRange(results.Select(r => (r.Name, r.Item2, (IReadOnlyList<string>)r.outputs.OfType<string>().ToList())));
        var failures = PythonJsonSchemaValidator.Validate(cases);
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10).Select(f => $"{f.Name}: {f.Instance} -> {f.Error}")));
    }
}
