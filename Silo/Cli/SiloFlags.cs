using System.Globalization;
using System.Net;
using Cluster.Grains.Hosting;
using Cluster.Grains.Routing;

namespace Cluster.Silo.Cli;

/// <summary>
/// The flags a silo takes, shared by the standalone silo and <c>serve</c> (which co-hosts one): the model flags use
/// vLLM's names, the cluster flags say which cluster to join and how to be reached.
/// </summary>
public static class SiloFlags
{
    /// <summary>What to serve and how (vLLM's flag names).</summary>
    public static readonly IReadOnlyList<string> Model =
    [
        "--model", "--served-model-name", "--threads", "--max-num-seqs", "--max-model-len", "--max-num-batched-tokens", "--kv-cache-tokens", "--kv-cache-dtype",
        "--kv-cache-memory-fraction", "--dtype",
        "--tool-call-parser", "--reasoning-parser", "--chat-template", "--device",
    ];

    /// <summary>Model switches, taking no value (vLLM's names).</summary>
    public static readonly IReadOnlyList<string> ModelSwitches = ["--enable-prefix-caching", "--no-enable-prefix-caching"];

    /// <summary>Which cluster to join and how other processes reach this one.</summary>
    public static readonly IReadOnlyList<string> Cluster =
    [
        "--cluster", "--cluster-id", "--advertised-address", "--silo-port", "--gateway-port", "--drain-timeout", "--routing-policy",
    ];

    /// <summary>Cluster switches, taking no value.</summary>
    public static readonly IReadOnlyList<string> ClusterSwitches = ["--dashboard"];

    /// <summary>The served model; <paramref name="modelPath"/> and <paramref name="servedName"/> override the flags (the embedded default).</summary>
    public static ServedModelOptions ReadModel(CommandLine flags, string modelPath, string? servedName = null, string? toolCallParser = null) => new()
    {
        ModelPath = modelPath,
        ServedModelName = servedName ?? flags.Get("--served-model-name"),
        Device = flags.Get("--device") ?? "cpu:0",
        Threads = flags.GetInt("--threads"),
        MaxSequences = flags.GetInt("--max-num-seqs") ?? 16,
        MaxModelLength = flags.GetInt("--max-model-len") ?? 2048,
        MaxTokensPerStep = flags.GetInt("--max-num-batched-tokens") ?? 256,
        KvCacheTokens = flags.GetInt("--kv-cache-tokens"),
        KvCacheMemoryFraction = flags.GetDouble("--kv-cache-memory-fraction") is { } fraction
            ? fraction is > 0 and <= 1 ? fraction : throw new ArgumentException($"option '--kv-cache-memory-fraction' needs a fraction in (0, 1], got {fraction}")
            : 0.5,
        Dtype = flags.Get("--dtype") is { } dtype ? Engine.Scheduling.ModelDtypes.Parse(dtype) : Engine.Scheduling.ModelDtype.Auto,
        KvCacheDtype = flags.Get("--kv-cache-dtype") is { } kvDtype ? Engine.Scheduling.KvCacheDtypes.Parse(kvDtype) : Engine.Scheduling.KvCacheDtype.Auto,
        ToolCallParser = toolCallParser ?? flags.Get("--tool-call-parser"),
        ReasoningParser = flags.Get("--reasoning-parser"),
        ChatTemplatePath = flags.Get("--chat-template"),
        // A config file may say enable-prefix-caching: false; on the command line the switch reads "true".
        EnablePrefixCaching = flags.Get("--enable-prefix-caching") is { } enable
            ? !enable.Equals("false", StringComparison.OrdinalIgnoreCase)
            : flags.Get("--no-enable-prefix-caching") is not { } disable || disable.Equals("false", StringComparison.OrdinalIgnoreCase),
    };

    /// <summary>
    /// The cluster settings. The advertised address falls back to <c>POD_IP</c> (Kubernetes' downward API), the cluster
    /// id to <c>CLUSTER_ID</c>, the cluster to <c>CLUSTER_REDIS</c>.
    /// </summary>
    /// <exception cref="ArgumentException">A malformed value.</exception>
    public static ClusterSiloOptions ReadCluster(CommandLine flags, IReadOnlyList<ServedModelOptions> models)
    {
        string? cluster = flags.Get("--cluster") ?? NonEmpty(Environment.GetEnvironmentVariable("CLUSTER_REDIS"));
        string? advertised = flags.Get("--advertised-address") ?? NonEmpty(Environment.GetEnvironmentVariable("POD_IP"));
        return new ClusterSiloOptions
        {
            Models = models,
            Cluster = cluster is null ? null : ClusterAddress.Parse(cluster),
            ClusterId = flags.Get("--cluster-id") ?? NonEmpty(Environment.GetEnvironmentVariable("CLUSTER_ID")) ?? ClusterSiloOptions.DefaultClusterId,
            AdvertisedAddress = advertised is null ? null
                : IPAddress.TryParse(advertised, out var ip) ? ip
                : throw new ArgumentException($"--advertised-address must be an IP address (got '{advertised}')"),
            SiloPort = flags.GetInt("--silo-port") ?? 0,
            GatewayPort = flags.GetInt("--gateway-port") ?? 0,
            DrainTimeout = flags.Get("--drain-timeout") is { } drain
                ? TimeSpan.FromSeconds(double.TryParse(drain, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s >= 0 ? s
                    : throw new ArgumentException($"--drain-timeout needs seconds, got '{drain}'"))
                : DrainOptions.Default.Timeout,
            Routing = new RoutingOptions { Policy = flags.Get("--routing-policy") is { } policy ? RoutingOptions.ParsePolicy(policy) : RoutingPolicy.PrefixAware },
            Dashboard = IsOn(flags, "--dashboard"),
        };
    }

    /// <summary>A switch given on the command line (or true in a config file).</summary>
    public static bool IsOn(CommandLine flags, string name) => flags.Get(name) is { } value && !value.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
