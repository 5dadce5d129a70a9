using OpenTelemetry.Trace;

namespace Cluster.Silo.Telemetry;

/// <summary>
/// Traces start where a request enters the cluster: an HTTP or gRPC call to a gateway (ASP.NET Core's request activity).
/// Background grain calls with no request behind them (load reports every second, registry reads, liveness watches)
/// would otherwise each start a trace of their own; they are dropped, and so are their children. Used as the root
/// sampler of a parent-based sampler: everything under a sampled request is kept.
/// </summary>
internal sealed class RequestRootSampler : Sampler
{
    /// <summary>The operation name of ASP.NET Core's incoming-request activity (HTTP/1.1 and HTTP/2, so gRPC too).</summary>
    private const string IncomingRequest = "Microsoft.AspNetCore.Hosting.HttpRequestIn";

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        new(samplingParameters.Name == IncomingRequest ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
}
