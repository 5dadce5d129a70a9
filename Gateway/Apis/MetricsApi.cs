using Cluster.Gateway.Hosting;
using Cluster.Silo.Metrics;

namespace Cluster.Gateway.Apis;

/// <summary>
/// <c>GET /metrics</c>: every live replica's load in Prometheus' text format (see <see cref="ReplicaMetrics"/>), from
/// the registry's latest reports, so any gateway shows where the cluster's work goes.
/// </summary>
public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (ModelDirectory models) =>
            Results.Text(ReplicaMetrics.Render((await models.ReadAsync().ConfigureAwait(false)).Live), ReplicaMetrics.ContentType));
        return app;
    }
}
