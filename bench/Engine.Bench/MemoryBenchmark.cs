using System.Diagnostics;
using System.Globalization;
using Cluster.Engine.ModelFiles;
using Cluster.Engine.Scheduling;

namespace Cluster.Engine.Bench;

/// <summary>
/// What the process's resident memory is made of once the roofline model is loaded the way a silo loads it (engine
/// ready, model files unmapped), for a few weight and KV settings. Each setting runs in a fresh process: libtorch's
/// allocator and the GC keep freed memory, so a second engine in the same process would be measured on top of the first.
/// </summary>
internal static class MemoryBenchmark
{
    private sealed record Setting(string Name, ModelDtype Dtype, KvCacheDtype Kv, int MaxSequences, int MaxModelLength);

    private static readonly Setting[] Settings =
    [
        new("defaults (fp32 weights, fp16 KV, 16 × 2,048 positions)", ModelDtype.Auto, KvCacheDtype.Auto, 16, 2048),
        new("16,384 positions, fp32 KV (llama.cpp's -c 16384 f32)", ModelDtype.Auto, KvCacheDtype.Fp32, 1, 16384),
        new("16,384 positions, fp16 KV", ModelDtype.Auto, KvCacheDtype.Fp16, 1, 16384),
        new("--dtype bfloat16, 16,384 positions, fp16 KV", ModelDtype.BFloat16, KvCacheDtype.Fp16, 1, 16384),
    ];

    public static async Task RunAsync(BenchOptions options)
    {
        BenchModels.Roofline(options); // written once here, not by each child
        Console.WriteLine("## Resident memory after load (roofline model, as a silo loads it: engine ready, files unmapped; one process per row)");
        Console.WriteLine();
        var table = new MarkdownTable("setting", "RSS MB", "RssAnon MB", "RssFile MB", "weights MB", "KV cache MB", "runtime + libtorch MB");
        for (int i = 0; i < Settings.Length; i++)
        {
            var start = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, UseShellExecute = false };
            if (!Environment.ProcessPath!.EndsWith("Cluster.Engine.Bench", StringComparison.Ordinal)) start.ArgumentList.Add(typeof(MemoryBenchmark).Assembly.Location);
            foreach (var a in new[] { "memory-one", "--cache", options.CacheDirectory, "--setting", i.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
            if (options.Threads is int threads) { start.ArgumentList.Add("--threads"); start.ArgumentList.Add(threads.ToString(CultureInfo.InvariantCulture)); }
            using var child = Process.Start(start)!;
            string output = await child.StandardOutput.ReadToEndAsync().ConfigureAwait(false);
            await child.WaitForExitAsync().ConfigureAwait(false);
            var line = output.Split('\n').LastOrDefault(l => l.StartsWith("memory ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"memory-one {i} printed no figures (exit {child.ExitCode}): {output}");
            var f = line["memory ".Length..].Split(' ').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
            table.Add(Settings[i].Name, f[0], f[1], f[2], f[3], f[4], f[5]);
        }
        table.Print(Console.Out);
        Console.WriteLine("RssAnon holds the weights (copied into the engine's tensors, fused) and the KV cache (allocated zeroed, so resident); RssFile is the runtime's and libtorch's code.");
        Console.WriteLine();
    }

    /// <summary>The child: loads one setting and prints "memory RSS anon file weights kv baseline" in MB.</summary>
    public static async Task RunOneAsync(BenchOptions options, int index)
    {
        var setting = Settings[index];
        string directory = BenchModels.Roofline(options);
        TorchThread.Run(options.Threads, () => { TorchSharp.torch.zeros(1).Dispose(); return 0; }); // libtorch loaded: the baseline includes it
        GC.Collect();
        double baseline = Status("VmRSS");
        var folder = ModelFolder.Load(directory);
        var engine = new InferenceEngine(folder.Config, folder.Weights, new EngineOptions
        {
            Dtype = setting.Dtype,
            KvCacheDtype = setting.Kv,
            MaxSequences = setting.MaxSequences,
            MaxSequenceLength = setting.MaxModelLength,
            Threads = options.Threads,
        });
        await engine.Ready.ConfigureAwait(false);
        folder.Weights.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long weightBytes = folder.Weights.Names.Sum(n => folder.Weights.GetInfo(n).ElementCount) * (setting.Dtype == ModelDtype.BFloat16 ? 2 : 4);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory {Status("VmRSS")} {Status("RssAnon")} {Status("RssFile")} {weightBytes / 1e6:F0} {engine.KvCacheBytes / 1e6:F0} {baseline}"));
        await engine.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A /proc/self/status figure in MB.</summary>
    private static double Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return Math.Round(long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0);
    }
}
