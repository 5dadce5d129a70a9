using System.Diagnostics.Metrics;
using Cluster.Engine.Telemetry;
using Cluster.Grains.Telemetry;
using Cluster.Silo.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Cluster.Silo.Telemetry;

/// <summary>
/// OpenTelemetry for every process of the cluster (standalone silo, gateway, co-hosted <c>serve</c>): metrics through
/// the SDK's Prometheus exporter (mapped on <c>/metrics</c> by the host), traces through OTLP when the standard
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) is set and not at all otherwise,
/// so that an untraced cluster pays nothing for its spans.
/// </summary>
public static class ClusterTelemetry
{
    /// <summary>The silo side's meters: grains (tool-call parses, grammar compiles), engine (grammar masks), replica load.</summary>
    public static readonly string[] SiloMeters = [GrainTelemetry.Name, EngineTelemetry.Name, ReplicaMetrics.MeterName];

    /// <summary>
    /// The spans of a request past the gateway: Orleans' grain calls (whose activities carry the trace across silos),
    /// session and model grains, and the engine's queue, prefill and decode.
    /// </summary>
    public static readonly string[] SiloSources = [Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName, GrainTelemetry.Name, EngineTelemetry.Name];

    /// <summary>
    /// OpenTelemetry's instrument names allow no ':', which vLLM's metric names have: instruments are named with
    /// <see cref="VllmPrefix"/> and exported as <c>vllm:</c> (the Prometheus exporter keeps ':', valid in Prometheus names).
    /// </summary>
    public const string VllmPrefix = "vllm.";

    /// <summary>
    /// Adds the SDK with this process's meters and sources. <paramref name="tracing"/> adds what only this host traces
    /// (the gateway's HTTP server spans); it runs only when traces are exported.
    /// </summary>
    public static void AddClusterTelemetry(this WebApplicationBuilder builder, string serviceName, IEnumerable<string> meters, Action<TracerProviderBuilder>? tracing = null)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithMetrics(m => m.AddMeter([.. meters]).AddPrometheusExporter(o =>
            {
                // Every scrape reads fresh values: replica load changes each second and tests read right after requests.
                o.ScrapeResponseCacheDurationMilliseconds = 0;
            }));
        builder.Services.ConfigureOpenTelemetryMeterProvider((services, m) => m.AddView(ExportedStream(services.GetRequiredService<IMeterFactory>())));
        if (TracesExported(builder.Configuration))
            otel.WithTracing(t =>
            {
                ConfigureTracing(t);
                tracing?.Invoke(t);
                t.AddOtlpExporter();
            });
    }

    /// <summary>True when an OTLP endpoint for traces is configured (environment or configuration).</summary>
    public static bool TracesExported(IConfiguration configuration) =>
        !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) || !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]);

    /// <summary>The cluster's sources and sampling, without an exporter (tests add an in-memory one).</summary>
    public static TracerProviderBuilder ConfigureTracing(TracerProviderBuilder tracing) =>
        tracing.AddSource(SiloSources).SetSampler(new ParentBasedSampler(new RequestRootSampler()));

    /// <summary>
    /// One rule for every exported instrument. Meters created through a host's <see cref="IMeterFactory"/> (replica load)
    /// belong to that host: another host in the same process (tests run several clusters) must not export them, and the
    /// SDK matches meters by name only. Names under <see cref="VllmPrefix"/> are exported as <c>vllm:</c>.
    /// </summary>
    private static Func<Instrument, MetricStreamConfiguration?> ExportedStream(IMeterFactory own) => instrument =>
        instrument.Meter.Scope is IMeterFactory factory && !ReferenceEquals(factory, own) ? MetricStreamConfiguration.Drop
        : instrument.Name.StartsWith(VllmPrefix, StringComparison.Ordinal) ? new MetricStreamConfiguration { Name = "vllm:" + instrument.Name[VllmPrefix.Length..] }
        : null;
}
