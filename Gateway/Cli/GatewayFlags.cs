using System.Globalization;
using Cluster.Contracts.Security;
using Cluster.Gateway.Hosting;
using Cluster.Gateway.Security;
using Cluster.Silo.Cli;

namespace Cluster.Gateway.Cli;

/// <summary>
/// The flags of the API a gateway process serves, taken alike by <c>serve</c> and <c>gateway</c>: where it listens,
/// who may call it (vLLM's <c>--api-key</c>, repeatable, or <c>CLUSTER_API_KEY</c>/<c>VLLM_API_KEY</c>;
/// <c>--api-keys-file</c>), how much (<c>--rate-limit-rpm</c>, <c>--rate-limit-tpm</c>), from which web origins
/// (vLLM's <c>--allowed-origins</c>, <c>--allowed-methods</c>, <c>--allowed-headers</c>, <c>--allow-credentials</c>),
/// and how it logs (<c>--log-format text|json</c>, <c>--log-requests</c>, also spelled as vLLM's
/// <c>--enable-log-requests</c>); <c>--protect-metrics</c> puts <c>/metrics</c> behind the keys too.
/// </summary>
public static class GatewayFlags
{
    /// <summary>Flags taking a value.</summary>
    public static readonly IReadOnlyList<string> Options =
    [
        "--host", "--port", "--grpc-port",
        "--api-key", "--api-keys-file", "--rate-limit-rpm", "--rate-limit-tpm",
        "--allowed-origins", "--allowed-methods", "--allowed-headers", "--log-format",
    ];

    /// <summary>Flags without a value.</summary>
    public static readonly IReadOnlyList<string> Switches = ["--protect-metrics", "--allow-credentials", "--log-requests", "--enable-log-requests"];

    /// <summary>Environment variables holding a key, read when no <c>--api-key</c> is given (the first set wins).</summary>
    public static readonly IReadOnlyList<string> KeyVariables = ["CLUSTER_API_KEY", "VLLM_API_KEY"];

    /// <param name="flags">The command line.</param>
    /// <param name="environment">Reads an environment variable (the process's by default).</param>
    /// <exception cref="ArgumentException">A malformed value, a keys file that cannot be used, or settings that contradict each other.</exception>
    public static GatewayOptions Read(CommandLine flags, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var keys = flags.GetAll("--api-key").Where(k => k.Length > 0).ToList();
        if (keys.Count == 0 && KeyVariables.Select(environment).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) is { } fromEnvironment)
            keys.Add(fromEnvironment.Trim());
        var limits = new RateLimits(PositiveInt(flags, "--rate-limit-rpm"), PositiveInt(flags, "--rate-limit-tpm"));
        string? keysFile = flags.Get("--api-keys-file");
        var security = new SecurityOptions
        {
            ApiKeys = keys,
            ApiKeysFile = keysFile is null ? null : Path.GetFullPath(keysFile),
            DefaultLimits = limits,
            ProtectMetrics = IsOn(flags, "--protect-metrics"),
            Cors = ReadCors(flags),
        };
        if (security.ApiKeysFile is { } file && ApiKeysFile.Read(file, limits).Error is { } problem)
            throw new ArgumentException($"--api-keys-file {file}: {problem}");
        if (limits.Any && !security.RequiresKeys)
            throw new ArgumentException("--rate-limit-rpm and --rate-limit-tpm limit each API key: give keys with --api-key, CLUSTER_API_KEY or --api-keys-file");
        if (security.ProtectMetrics && !security.RequiresKeys)
            throw new ArgumentException("--protect-metrics puts /metrics behind the API keys: give keys with --api-key, CLUSTER_API_KEY or --api-keys-file");
        return new GatewayOptions
        {
            Host = flags.Get("--host") ?? "127.0.0.1",
            Port = flags.GetInt("--port") ?? 8000,
            GrpcPort = flags.GetInt("--grpc-port") ?? GatewayOptions.DefaultGrpcPort,
            Security = security,
            LogFormat = flags.Get("--log-format") switch
            {
                null or "text" => LogFormat.Text,
                "json" => LogFormat.Json,
                var other => throw new ArgumentException($"--log-format is text or json, got '{other}'"),
            },
            LogRequests = IsOn(flags, "--log-requests") || IsOn(flags, "--enable-log-requests"),
        };
    }

    /// <summary>CORS is off unless <c>--allowed-origins</c> is given; methods and headers then default to any (vLLM's defaults).</summary>
    private static CorsSettings? ReadCors(CommandLine flags)
    {
        if (flags.Get("--allowed-origins") is not { } origins)
        {
            foreach (string flag in new[] { "--allowed-methods", "--allowed-headers", "--allow-credentials" })
                if (flags.Has(flag)) throw new ArgumentException($"{flag} needs --allowed-origins: CORS is off until origins are allowed");
            return null;
        }
        var cors = new CorsSettings(
            CorsSettings.ParseList("--allowed-origins", origins),
            flags.Get("--allowed-methods") is { } methods ? CorsSettings.ParseList("--allowed-methods", methods) : ["*"],
            flags.Get("--allowed-headers") is { } headers ? CorsSettings.ParseList("--allowed-headers", headers) : ["*"],
            IsOn(flags, "--allow-credentials"));
        if (cors.AllowCredentials && cors.Origins.Contains("*"))
            throw new ArgumentException("--allow-credentials needs the origins listed: browsers refuse credentials for '*'");
        return cors;
    }

    /// <summary>A switch, on the command line or (as true/false) in a config file.</summary>
    private static bool IsOn(CommandLine flags, string name) => flags.Get(name) is { } v && !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static int? PositiveInt(CommandLine flags, string name) => flags.Get(name) is not { } v ? null
        : int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0 ? n
        : throw new ArgumentException($"{name} needs a whole number of at least 1, got '{v}'");
}
