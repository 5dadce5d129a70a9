using Cluster.Gateway.Security;

namespace Cluster.Gateway.Hosting;

/// <summary>HTTP-side settings of the gateway.</summary>
public sealed record GatewayOptions
{
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>HTTP port; 0 picks a free one (tests).</summary>
    public int Port { get; init; } = 8000;

    /// <summary>HTTP/2 cleartext port of the gRPC API (<c>--grpc-port</c>); 0 disables it, <see cref="AnyFreePort"/> picks a free one (tests).</summary>
    public int GrpcPort { get; init; } = DefaultGrpcPort;

    public const int DefaultGrpcPort = 8001;

    /// <summary>A <see cref="GrpcPort"/> that binds any free port (read it back from <c>GrpcEndpoint.Address</c>).</summary>
    public const int AnyFreePort = -1;

    /// <summary>Ends a stream with an error event when no chunk arrives for this long.</summary>
    public TimeSpan StreamInactivityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest accepted request body (413 beyond it).</summary>
    public long MaxRequestBodyBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Slowest accepted request body, in bytes per second averaged after <see cref="RequestBodyGracePeriod"/>
    /// (Kestrel's <c>MinRequestBodyDataRate</c>): a body slower than its Content-Length promises gets a 408.
    /// </summary>
    public double MinRequestBodyBytesPerSecond { get; init; } = 240;

    /// <summary>How long a request body may trickle before <see cref="MinRequestBodyBytesPerSecond"/> applies; over 1 s (Kestrel's heartbeat).</summary>
    public TimeSpan RequestBodyGracePeriod { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>API keys, rate limits, CORS (all off by default).</summary>
    public SecurityOptions Security { get; init; } = new();

    /// <summary><c>--log-format</c>: console logs as text or JSON lines.</summary>
    public LogFormat LogFormat { get; init; } = LogFormat.Text;

    /// <summary><c>--log-requests</c>: log request and response bodies (prompts, completions); never otherwise.</summary>
    public bool LogRequests { get; init; }

    /// <summary><c>--dashboard</c>: the Orleans Dashboard under <c>/dashboard</c> (its silos need <c>--dashboard</c> too).</summary>
    public bool Dashboard { get; init; }
}
