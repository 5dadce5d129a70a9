using Cluster.Engine.TinyModels;
using Cluster.Gateway.Hosting;
using Cluster.Grains.Hosting;
using Cluster.Silo;

namespace Cluster.Gateway.Cli;

/// <summary>
/// <c>serve</c>: a co-hosted silo plus the gateway. Flags follow vLLM's names: <c>--model</c>,
/// <c>--served-model-name</c>, <c>--host</c>, <c>--port</c>, <c>--threads</c>, <c>--max-num-seqs</c>,
/// <c>--max-model-len</c>, <c>--max-num-batched-tokens</c>, <c>--tool-call-parser</c> (name, <c>auto</c> or a spec file),
/// <c>--reasoning-parser</c>, <c>--chat-template</c>, <c>--enable-auto-tool-choice</c> (accepted for compatibility:
/// auto tool choice works whenever a parser is configured or detected); <c>--kv-cache-tokens</c> is the KV-cache
/// budget; <c>--cache-dir</c> is where the embedded default model is generated; <c>--config FILE</c> reads any of
/// these from a JSON or YAML file (see <see cref="ServeConfigFile"/>).
/// </summary>
public static class ServeCommand
{
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr)
    {
        CommandLine flags;
        try
        {
            flags = CommandLine.Parse(args, [.. Options, "--config"], switches: ["--enable-auto-tool-choice"]);
            if (flags.Get("--config") is { } config) flags = flags.WithDefaults(ServeConfigFile.Load(config), Options);
        }
        catch (Exception e) when (e is ArgumentException or IOException or YamlDotNet.Core.YamlException or System.Text.Json.JsonException)
        {
            stderr.WriteLine(e.Message);
            return 2;
        }
        string? modelPath = flags.Get("--model");
        string? servedName = flags.Get("--served-model-name");
        string? toolCallParser = flags.Get("--tool-call-parser");
        if (modelPath is null)
        {
            servedName ??= DefaultModelName;
            toolCallParser ??= "auto";
            string cache = flags.Get("--cache-dir") ?? DefaultCacheDirectory();
            stdout.WriteLine($"No --model given: serving the embedded tiny model (generated under {cache}).");
            modelPath = TinyModelCache.EnsureDefault(cache);
        }
        var model = new ServedModelOptions
        {
            ModelPath = modelPath,
            ServedModelName = servedName,
            Threads = flags.GetInt("--threads"),
            MaxSequences = flags.GetInt("--max-num-seqs") ?? 16,
            MaxModelLength = flags.GetInt("--max-model-len") ?? 2048,
            MaxTokensPerStep = flags.GetInt("--max-num-batched-tokens") ?? 256,
            KvCacheTokens = flags.GetInt("--kv-cache-tokens"),
            ToolCallParser = toolCallParser,
            ReasoningParser = flags.Get("--reasoning-parser"),
            ChatTemplatePath = flags.Get("--chat-template"),
        };
        var gateway = new GatewayOptions { Host = flags.Get("--host") ?? "127.0.0.1", Port = flags.GetInt("--port") ?? 8000 };
        var silo = new ClusterSiloOptions
        {
            Models = [model],
            SiloPort = flags.GetInt("--silo-port") ?? 11111,
            GatewayPort = flags.GetInt("--gateway-port") ?? 30000,
        };
        var app = ClusterServer.Build(gateway, silo);
        await app.StartAsync().ConfigureAwait(false);
        stdout.WriteLine($"Serving '{model.EffectiveName}' at http://{gateway.Host}:{gateway.Port}/v1 (Ctrl+C to stop)");
        await app.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Flags taking a value; a config file may set any of them.</summary>
    public static readonly IReadOnlyList<string> Options =
    [
        "--model", "--served-model-name", "--host", "--port", "--threads", "--max-num-seqs", "--max-model-len", "--cache-dir",
        "--silo-port", "--gateway-port", "--tool-call-parser", "--reasoning-parser", "--chat-template", "--kv-cache-tokens",
        "--max-num-batched-tokens", "--enable-auto-tool-choice",
    ];

    /// <summary>The name the embedded default model is served under.</summary>
    public const string DefaultModelName = "tiny";

    public static string DefaultCacheDirectory()
    {
        string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string root = string.IsNullOrEmpty(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache") : xdg;
        return Path.Combine(root, "llm-cluster", "models");
    }
}
