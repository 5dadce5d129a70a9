using System.Diagnostics;
using static TorchSharp.torch;

namespace Cluster.Engine.Bench;

/// <summary>
/// The practical ceiling of batch-1 decode through libtorch: one <c>linear</c> of a single row per weight matrix
/// of the model, back to back, with nothing else (no attention, norms, sampling or scheduling).
/// </summary>
internal static class LinearChain
{
    /// <summary>Passes per second over matrices of these [out, in] shapes (random fp32 values), <paramref name="rows"/> input rows each.</summary>
    public static double PassesPerSecond(IReadOnlyList<(long Out, long In)> shapes, int passes, int rows = 1)
    {
        using var scope = NewDisposeScope();
        var weights = shapes.Select(s => randn(s.Out, s.In) * 0.02f).ToArray();
        var inputs = shapes.Select(s => s.In).Distinct().ToDictionary(n => n, n => randn(rows, n));
        var best = double.MaxValue;
        for (int pass = 0; pass < passes + 1; pass++)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < weights.Length; i++)
            {
                using var output = nn.functional.linear(inputs[shapes[i].In], weights[i]);
            }
            if (pass > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 1 / best;
    }
}
