using Cluster.Engine.Bench;

// Engine benchmarks: decode roofline, concurrency scaling through the HTTP gateway, stack overhead.
// Usage: dotnet run -c Release --project bench/Engine.Bench -- [roofline|concurrency|overhead|constrained|all] [--option value]…
BenchOptions options;
if (args.Length > 0 && args[0] == "memory-one")
{
    // A child of the memory benchmark: one setting, one line, nothing else in the process.
    options = BenchOptions.Parse(args);
    await MemoryBenchmark.RunOneAsync(options, options.MemorySetting);
    return 0;
}
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"# Engine benchmarks — {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, "
    + $".NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
// libtorch's OpenMP workers spin between parallel regions unless told otherwise, which matters when .NET threads
// (HTTP, Orleans) need the same cores; the setting is read once, when libgomp loads. The engine sets PASSIVE when the
// environment names none: reading its setting first also makes sure that happens before this process touches torch.
string waitPolicy = Cluster.Engine.Scheduling.NativeThreading.AppliedWaitPolicy is { } applied
    ? $"{applied} (set by the engine)"
    : $"{Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")} (from the environment)";
Console.WriteLine($"torch threads {TorchThread.Run(options.Threads, TorchSharp.torch.get_num_threads)} (--threads; the engine's default "
    + $"{Cluster.Engine.Scheduling.NativeThreading.DefaultThreads}), OMP_WAIT_POLICY={waitPolicy}");
Console.WriteLine();

if (options.Command is "roofline" or "all")
{
    Console.WriteLine($"Before: {MachineLoad.Describe()}");
    await RooflineBenchmark.RunAsync(options);
}

if (options.Command is "memory" or "all")
{
    await MemoryBenchmark.RunAsync(options);
}

if (options.Command is "concurrency" or "overhead" or "all")
{
    var model = BenchModels.Small(options);
    string description = $"qwen2 hidden {options.SmallHiddenSize}, {options.SmallLayers} layers";
    int maxSequences = Math.Max(options.ConcurrencyLevels.Max(), options.OverheadConcurrency);
    await using var cluster = await InProcessCluster.StartAsync(model, maxSequences, options.Threads);
    if (options.Command is "concurrency" or "all")
    {
        Console.WriteLine($"Before: {MachineLoad.Describe()}");
        await ConcurrencyBenchmark.RunAsync(options, cluster, description);
    }
    if (options.Command is "overhead" or "all")
    {
        Console.WriteLine($"Before: {MachineLoad.Describe()}");
        await OverheadBenchmark.RunAsync(options, cluster, description);
    }
}
if (options.Command is "constrained" or "all")
{
    Console.WriteLine($"Before: {MachineLoad.Describe()}");
    await ConstrainedDecodingBenchmark.RunAsync(options, BenchModels.Small(options), $"qwen2 hidden {options.SmallHiddenSize}, {options.SmallLayers} layers");
}
Console.WriteLine($"After: {MachineLoad.Describe()}");
return 0;
