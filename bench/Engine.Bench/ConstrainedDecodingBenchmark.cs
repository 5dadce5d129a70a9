using System.Diagnostics;
using System.Text.Json.Nodes;
using Cluster.Constraints;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;
using Cluster.Engine.Tokenization;

namespace Cluster.Engine.Bench;

/// <summary>
/// End-to-end cost of constrained decoding on the small model: the same decode load with and without a JSON-schema
/// grammar (masks computed per sequence per step on the engine thread, applied in the batched sampler). The schema is
/// an array of at least 200 objects, which no request can complete within its token budget: both runs generate
/// exactly the same number of tokens per request (an early finish would shift work to prompt prefill). A served schema is used again and again (the same tools in every request), so the grammar's
/// lazily built states are warmed by untimed rounds with other seeds first; the first request on a new schema pays
/// more (see the cold row). Target: ≤ 5% slower.
/// </summary>
internal static class ConstrainedDecodingBenchmark
{
    private const string Schema = """
        {"type": "array", "minItems": 200, "items": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 16},
         "count": {"type": "integer", "minimum": 0, "maximum": 1000}, "tags": {"type": "array", "items": {"type": "string", "enum": ["a", "b", "c"]}}},
         "required": ["name", "count", "tags"], "additionalProperties": false}}
        """;

    public static async Task RunAsync(BenchOptions options, string modelDirectory, string description)
    {
        using var folder = ModelFolder.Load(modelDirectory);
        var vocabulary = ConstraintVocabulary.Create(folder.Tokenizer, folder.Tokenizer.EosTokenIds);
        var grammar = GrammarCompiler.Compile(Grammar.JsonSchema(JsonNode.Parse(Schema)), vocabulary);
        await using var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            MaxSequences = 64, MaxSequenceLength = 1024, Threads = options.Threads,
        });
        await engine.Ready;
        var prompt = EngineClient.PromptOfLength(folder.Tokenizer, 32);
        var table = new MarkdownTable("concurrency", "unconstrained tok/s", "constrained tok/s", "slowdown %");
        double coldFree = await Throughput(engine, prompt, 1, options.MaxTokens, null, seedBase: 500);
        double cold = await Throughput(engine, prompt, 1, options.MaxTokens, grammar, seedBase: 500);
        table.Add("1 (cold schema)", coldFree, cold, 100 * (1 - cold / coldFree));
        for (int warm = 0; warm < 3; warm++) await Throughput(engine, prompt, 16, options.MaxTokens, grammar, seedBase: 1000 + 100 * warm);
        foreach (int concurrency in new[] { 1, 16 })
        {
            double free = 0, constrained = 0;
            for (int repeat = 0; repeat < Math.Max(1, options.Repeats); repeat++)
            {
                free = Math.Max(free, await Throughput(engine, prompt, concurrency, options.MaxTokens, null));
                constrained = Math.Max(constrained, await Throughput(engine, prompt, concurrency, options.MaxTokens, grammar));
            }
            table.Add(concurrency, free, constrained, 100 * (1 - constrained / free));
        }
        Console.WriteLine($"## Constrained decoding — {Environment.ProcessorCount} cores, {description}, vocabulary {vocabulary.Size}, {options.MaxTokens} tokens per request");
        table.Print(Console.Out);
    }

    private static async Task<double> Throughput(InferenceEngine engine, int[] prompt, int concurrency, int maxTokens, CompiledGrammar? grammar, int seedBase = 0)
    {
        var clock = Stopwatch.StartNew();
        var counts = await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
        {
            var request = new GenerationRequest(prompt, new SamplingParameters { Temperature = 1f, Seed = (ulong)(seedBase + i + 1) }, maxTokens)
            {
                Constraint = grammar?.CreateMatcher(),
            };
            int n = 0;
            await foreach (var _ in engine.GenerateAsync(request)) n++;
            return n;
        }));
        return counts.Sum() / clock.Elapsed.TotalSeconds;
    }
}
