using System.Globalization;

namespace Cluster.Engine.Bench;

/// <summary>
/// Command line of the benchmark: <c>[roofline|concurrency|overhead|all] [--option value]…</c>. Defaults keep
/// <c>all</c> within about five minutes on a 2-core machine; raise the counts on bigger machines.
/// </summary>
internal sealed record BenchOptions
{
    public string Command { get; init; } = "all";

    /// <summary>Where generated models are cached between runs.</summary>
    public string CacheDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "cluster-bench", "models");

    /// <summary>Torch intra-op threads; null leaves libtorch's default (one per physical core).</summary>
    public int? Threads { get; init; }

    // Roofline: a ~100M-parameter llama (untied, so lm_head is read every token).
    public int RooflineHiddenSize { get; init; } = 768;
    public int RooflineIntermediateSize { get; init; } = 2048;
    public int RooflineLayers { get; init; } = 12;
    public int RooflineHeads { get; init; } = 12;
    public int RooflineKvHeads { get; init; } = 4;
    public int RooflineVocabSize { get; init; } = 32000;
    public int RooflineTokens { get; init; } = 128;
    public int RooflineRuns { get; init; } = 3;

    /// <summary>Size of the tensor read to measure memory bandwidth; well above any cache.</summary>
    public int BandwidthMegabytes { get; init; } = 512;

    // Concurrency and overhead: a small qwen2 served through the gateway.
    public int SmallHiddenSize { get; init; } = 256;
    public int SmallIntermediateSize { get; init; } = 768;
    public int SmallLayers { get; init; } = 4;
    public int SmallHeads { get; init; } = 8;
    public int SmallKvHeads { get; init; } = 2;
    public IReadOnlyList<int> ConcurrencyLevels { get; init; } = [1, 4, 16, 64];

    /// <summary>Completion tokens per request (every request generates exactly this many: EOS is ignored).</summary>
    public int MaxTokens { get; init; } = 64;

    /// <summary>Requests each concurrent client sends one after another.</summary>
    public int RequestsPerClient { get; init; } = 2;

    /// <summary>Times each load level (and each overhead path) runs; the fastest run is reported.</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>Concurrency of the stack-overhead comparison.</summary>
    public int OverheadConcurrency { get; init; } = 64;

    /// <summary>The setting a <c>memory-one</c> child measures (<see cref="MemoryBenchmark"/>).</summary>
    public int MemorySetting { get; init; }

    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        int i = 0;
        if (args.Count > 0 && !args[0].StartsWith("--", StringComparison.Ordinal))
        {
            options = options with { Command = args[0] };
            i = 1;
        }
        for (; i < args.Count; i += 2)
        {
            if (i + 1 >= args.Count) throw new ArgumentException($"{args[i]} needs a value.");
            string value = args[i + 1];
            options = args[i] switch
            {
                "--cache" => options with { CacheDirectory = value },
                "--threads" => options with { Threads = Int(value) },
                "--roofline-hidden-size" => options with { RooflineHiddenSize = Int(value) },
                "--roofline-intermediate-size" => options with { RooflineIntermediateSize = Int(value) },
                "--roofline-layers" => options with { RooflineLayers = Int(value) },
                "--roofline-heads" => options with { RooflineHeads = Int(value) },
                "--roofline-kv-heads" => options with { RooflineKvHeads = Int(value) },
                "--roofline-vocab-size" => options with { RooflineVocabSize = Int(value) },
                "--roofline-tokens" => options with { RooflineTokens = Int(value) },
                "--roofline-runs" => options with { RooflineRuns = Int(value) },
                "--bandwidth-mb" => options with { BandwidthMegabytes = Int(value) },
                "--small-hidden-size" => options with { SmallHiddenSize = Int(value) },
                "--small-intermediate-size" => options with { SmallIntermediateSize = Int(value) },
                "--small-layers" => options with { SmallLayers = Int(value) },
                "--small-heads" => options with { SmallHeads = Int(value) },
                "--small-kv-heads" => options with { SmallKvHeads = Int(value) },
                "--concurrency" => options with { ConcurrencyLevels = value.Split(',').Select(Int).ToArray() },
                "--max-tokens" => options with { MaxTokens = Int(value) },
                "--requests-per-client" => options with { RequestsPerClient = Int(value) },
                "--repeats" => options with { Repeats = Int(value) },
                "--overhead-concurrency" => options with { OverheadConcurrency = Int(value) },
                "--setting" => options with { MemorySetting = int.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"Unknown option {args[i]}."),
            };
        }
        return options.Command is "all" or "roofline" or "concurrency" or "overhead" or "constrained" or "memory" or "memory-one"
            ? options
            : throw new ArgumentException($"Unknown benchmark '{options.Command}': use roofline, memory, concurrency, overhead, constrained or all.");
    }

    private static int Int(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0
            ? n
            : throw new ArgumentException($"'{value}' is not a positive integer.");
}
