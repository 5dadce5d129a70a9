using System.Diagnostics;
using Cluster.Engine.KvCache;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Models;
using static TorchSharp.torch;

namespace Cluster.Engine.Bench;

/// <summary>
/// The model's forward pass alone, driven the way the engine drives it (paged KV cache, one segment per sequence)
/// but with no scheduler, sampler, channels or threads in between: the floor under the engine's step time.
/// </summary>
internal static class ForwardLoop
{
    private const int BlockSize = 16;

    /// <summary>Seconds per decode step of <paramref name="batch"/> sequences whose prompts hold <paramref name="promptTokens"/> tokens (best of the runs).</summary>
    public static double DecodeStepSeconds(ModelConfig config, ModelWeights weights, int? threads, int batch, int promptTokens, int steps, int runs) =>
        TorchThread.Run(threads, () =>
        {
            using var model = new CausalLanguageModel(config, promptTokens + steps + 1, CPU);
            model.LoadWeights(weights);
            int blocksPerSequence = (promptTokens + steps + 1 + BlockSize - 1) / BlockSize;
            var shape = new KvCacheShape(config.NumHiddenLayers, config.NumKeyValueHeads, config.HeadDim, BlockSize);
            using var cache = new PagedKvCache(shape, batch * blocksPerSequence, ScalarType.Float32, CPU);
            var tables = Enumerable.Range(0, batch)
                .Select(s => (IReadOnlyList<int>)Enumerable.Range(s * blocksPerSequence, blocksPerSequence).ToArray()).ToArray();
            var best = double.MaxValue;
            for (int run = 0; run < runs + 1; run++)
            {
                // The cache is simply overwritten by the next run's prefill; every run sees the same lengths.
                Step(model, cache, tables, 0, promptTokens);
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < steps; i++) Step(model, cache, tables, promptTokens + i, 1);
                if (run > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds / steps);
            }
            return best;
        });

    private static void Step(CausalLanguageModel model, PagedKvCache cache, IReadOnlyList<int>[] tables, int start, int tokens)
    {
        using var scope = NewDisposeScope();
        var segments = tables.Select(t => new ForwardSegment(t, start, tokens, NeedsLogits: true)).ToArray();
        // Token ids only select embedding rows; any valid id costs the same.
        var ids = Enumerable.Range(0, segments.Length * tokens).Select(i => 1 + i % 100).ToArray();
        using var logits = model.Forward(new ForwardBatch(segments, ids), cache);
    }
}
