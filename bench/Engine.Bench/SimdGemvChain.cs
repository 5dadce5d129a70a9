using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Cluster.Engine.Bench;

/// <summary>
/// The batch-1 chain of <see cref="LinearChain"/> without libtorch: one matrix-vector product per matrix, each row a
/// SIMD dot product streamed straight from memory, rows split across threads. It answers whether a hand-written GEMV
/// kernel would get closer to the bandwidth bound than libtorch's BLAS does on this machine (the engine's own
/// <see cref="Models.DecodeGemv"/> dot product, over managed arrays).
/// </summary>
internal static class SimdGemvChain
{
    /// <summary>Passes per second over matrices of these [out, in] shapes, on <paramref name="threads"/> threads.</summary>
    public static double PassesPerSecond(IReadOnlyList<(long Out, long In)> shapes, int threads, int passes)
    {
        var random = new Random(1);
        var weights = shapes.Select(s =>
        {
            var w = GC.AllocateUninitializedArray<float>(checked((int)(s.Out * s.In)));
            for (int i = 0; i < w.Length; i++) w[i] = (float)(random.NextDouble() - 0.5) * 0.04f;
            return w;
        }).ToArray();
        var inputs = shapes.Select(s => s.In).Distinct().ToDictionary(n => n, n => Enumerable.Range(0, (int)n).Select(i => (float)Math.Sin(i)).ToArray());
        var outputs = shapes.Select(s => new float[s.Out]).ToArray();
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads };
        double best = double.MaxValue;
        for (int pass = 0; pass < passes + 1; pass++)
        {
            var watch = Stopwatch.StartNew();
            for (int m = 0; m < shapes.Count; m++)
            {
                var (rows, columns) = ((int)shapes[m].Out, (int)shapes[m].In);
                var (w, x, y) = (weights[m], inputs[shapes[m].In], outputs[m]);
                // One contiguous band of rows per thread keeps each thread's reads sequential.
                Parallel.For(0, threads, options, t =>
                {
                    int start = (int)((long)rows * t / threads), end = (int)((long)rows * (t + 1) / threads);
                    for (int r = start; r < end; r++) y[r] = Models.DecodeGemv.Dot(w.AsSpan(r * columns, columns), x);
                });
            }
            if (pass > 0) best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }
        return 1 / best;
    }
}
