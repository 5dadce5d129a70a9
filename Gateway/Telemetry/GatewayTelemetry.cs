using System.Diagnostics.Metrics;
using Cluster.Gateway.Hosting;
using Cluster.Silo.Metrics;
using Cluster.Silo.Telemetry;
using OpenTelemetry.Trace;

namespace Cluster.Gateway.Telemetry;

/// <summary>
/// The gateway's OpenTelemetry: its own meter and the silo side's (a co-hosted silo records into them; a gateway alone
/// simply has no such measurements), the whole cluster's replica load from the registry, and, when traces are exported,
/// a server span per HTTP and gRPC request as the root of its trace.
/// </summary>
public static class GatewayTelemetry
{
    public static readonly string[] Meters = [GatewayMetrics.Name, .. ClusterTelemetry.SiloMeters];

    public static void AddGatewayTelemetry(this WebApplicationBuilder builder)
    {
        builder.AddClusterTelemetry("cluster-gateway", Meters, t => ConfigureTracing(t));
        builder.Services.AddSingleton(sp => new ReplicaMetrics(sp.GetRequiredService<IMeterFactory>(), () => sp.GetRequiredService<ModelDirectory>().Latest.Live));
    }

    /// <summary>The gateway's part of a trace: ASP.NET Core's request spans, except for probes and scrapes.</summary>
    public static TracerProviderBuilder ConfigureTracing(TracerProviderBuilder tracing) =>
        tracing.AddAspNetCoreInstrumentation(o => o.Filter = http => http.Request.Path.Value is not ("/metrics" or "/health" or "/livez"));
}
