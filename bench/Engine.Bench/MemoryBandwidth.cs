using System.Diagnostics;
using static TorchSharp.torch;

namespace Cluster.Engine.Bench;

/// <summary>Memory bandwidth as libtorch achieves it in this process, with its current thread count.</summary>
/// <param name="ReadBytesPerSecond">Best pass of <c>sum()</c> over a large tensor: bytes read per second.</param>
/// <param name="CopyBytesPerSecond">Best pass of <c>copy_</c> into a preallocated tensor: bytes read plus written per second.</param>
internal sealed record MemoryBandwidth(long TensorBytes, double ReadBytesPerSecond, double CopyBytesPerSecond)
{
    /// <summary>
    /// Reads (and copies) a tensor far larger than any cache several times and keeps the best pass. Destinations
    /// are allocated and touched beforehand: <c>clone()</c> would pay page faults on fresh memory and understate
    /// bandwidth several-fold.
    /// </summary>
    public static MemoryBandwidth Measure(int megabytes, int passes = 8)
    {
        using var scope = NewDisposeScope();
        long elements = (long)megabytes * 1024 * 1024 / sizeof(float);
        var source = ones(elements, ScalarType.Float32);
        var destination = zeros(elements, ScalarType.Float32);
        long bytes = elements * sizeof(float);

        double bestRead = double.MaxValue, bestCopy = double.MaxValue;
        for (int pass = 0; pass < passes + 1; pass++)
        {
            var watch = Stopwatch.StartNew();
            using (var total = source.sum()) total.item<float>();
            double read = watch.Elapsed.TotalSeconds;
            watch.Restart();
            destination.copy_(source);
            double copy = watch.Elapsed.TotalSeconds;
            if (pass == 0) continue; // warm-up: first-touch and thread-pool start
            bestRead = Math.Min(bestRead, read);
            bestCopy = Math.Min(bestCopy, copy);
        }
        return new MemoryBandwidth(bytes, bytes / bestRead, 2.0 * bytes / bestCopy);
    }

    /// <summary>The better figures of two measurements (taken at different times, so one burst of load skews neither).</summary>
    public MemoryBandwidth Max(MemoryBandwidth other) =>
        new(TensorBytes, Math.Max(ReadBytesPerSecond, other.ReadBytesPerSecond), Math.Max(CopyBytesPerSecond, other.CopyBytesPerSecond));
}
