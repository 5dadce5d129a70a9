using Cluster.Gateway.Hosting;
using Cluster.Silo.Metrics;

namespace Cluster.Gateway.Apis;

/// <summary>
/// <c>GET /metrics</c>: OpenTelemetry's Prometheus exposition of this process's meters: every live replica's load
/// (<see cref="ReplicaMetrics"/>, from the registry, so any gateway shows where the cluster's work goes), the requests
/// this gateway served (<see cref="Telemetry.GatewayMetrics"/>), and, when a silo runs in the process, its own measures.
/// </summary>
public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        // The replica instruments exist from start-up on (they are observed at each scrape).
        app.ServiceProvider.GetRequiredService<ReplicaMetrics>();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider: null, configureBranchedPipeline: scrape => scrape.Use(async (http, next) =>
        {
            // Observable callbacks cannot wait: read the registry first, so a scrape never lags a load report behind.
            await http.RequestServices.GetRequiredService<ModelDirectory>().ReadAsync().ConfigureAwait(false);
            await next(http).ConfigureAwait(false);
        }), optionsName: null);
        return app;
    }
}
