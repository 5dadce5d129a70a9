using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Silo.Cli;
using Cluster.Silo;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>serve</c>: a co-hosted silo plus the gateway. Flags follow vLLM's names: <c>--model</c>,
/// <c>--served-model-name</c>, <c>--host</c>, <c>--port</c>, <c>--threads</c>, <c>--max-num-seqs</c>,
/// <c>--max-model-len</c>, <c>--max-num-batched-tokens</c>, <c>--tool-call-parser</c> (name, <c>auto</c> or a spec file),
/// <c>--grpc-port</c> (the gRPC API's HTTP/2 port, default 8001, 0 disables it; these and the API's access and logging
/// flags are <see cref="GatewayFlags"/>), <c>--reasoning-parser</c>, <c>--chat-template</c>, <c>--enable-auto-tool-choice</c> (accepted for compatibility:
/// auto tool choice works whenever a parser is configured or detected); <c>--kv-cache-tokens</c> is the KV-cache
/// budget; <c>--no-enable-prefix-caching</c> turns off automatic prefix caching (on by default); <c>--cache-dir</c> is where the embedded default model is generated; <c>--config FILE</c> reads any of
/// these from a JSON or YAML file (see <see cref="ServeConfigFile"/>). With <c>--cluster redis://…</c> the co-hosted
/// silo joins that cluster (see <see cref="SiloFlags.Cluster"/>); without, the process is a cluster of its own.
/// </summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CommandLine flags;
        try
        {
            flags = CommandLine.Parse(args, [.. Options, "--config"], switches: ["--enable-auto-tool-choice", .. GatewayFlags.Switches, .. SiloFlags.ModelSwitches, .. SiloFlags.ClusterSwitches]);
            if (flags.Get("--config") is { } config) flags = flags.WithDefaults(ServeConfigFile.Load(config), Options);
        }
        catch (Exception e) when (e is ArgumentException or IOException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        string? modelPath = flags.Get("--model");
        string? servedName = null, toolCallParser = null;
        if (modelPath is null)
        {
            toolCallParser = flags.Get("--tool-call-parser") ?? "auto";
            if (Cluster.Training.DemoModelLocation.Find() is { } demo)
            {
                // The default shows the product: a small model trained here to call tools (see models/demo/README.md).
                servedName = flags.Get("--served-model-name") ?? Cluster.Training.DemoModelLocation.ServedName;
                stdout.WriteLine($"No --model given: serving the demo model from {demo} (a toy trained to call tools; see models/demo/README.md).");
                modelPath = demo;
            }
            else
            {
                servedName = flags.Get("--served-model-name") ?? DefaultModelName;
                string cache = flags.Get("--cache-dir") ?? DefaultCacheDirectory();
                stdout.WriteLine($"No --model given and no demo checkpoint found: serving the embedded tiny model (random weights, generated under {cache}).");
                modelPath = TinyModelCache.EnsureDefault(cache);
            }
        }
        ClusterSiloOptions silo;
        GatewayOptions gateway;
        try
        {
            silo = SiloFlags.ReadCluster(flags, [SiloFlags.ReadModel(flags, modelPath, servedName, toolCallParser)]);
            gateway = GatewayFlags.Read(flags);
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        WebApplication app;
        try
        {
            app = ClusterServer.Build(gateway, silo);
            await app.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // A port in use, a model folder that does not load: say so instead of a stack trace.
            stderr.WriteLine(e.Message);
            return 1;
        }
        string grpc = gateway.GrpcPort > 0 ? $", gRPC on {gateway.Host}:{gateway.GrpcPort}" : "";
        stdout.WriteLine($"Serving '{silo.Models[0].EffectiveName}' at http://{gateway.Host}:{gateway.Port}/v1{grpc} (Ctrl+C to stop)");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Flags taking a value; a config file may set any of them (and the switches, as true or false).</summary>
    public static readonly IReadOnlyList<string> Options = [.. SiloFlags.Model, .. SiloFlags.Cluster, .. GatewayFlags.Options, "--cache-dir", "--enable-auto-tool-choice", .. GatewayFlags.Switches, .. SiloFlags.ModelSwitches, .. SiloFlags.ClusterSwitches];

    /// <summary>The name the random tiny model is served under when no demo checkpoint is present.</summary>
    public const string DefaultModelName = "tiny";

    public static string DefaultCacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "llm-cluster", "models");
    }
}
