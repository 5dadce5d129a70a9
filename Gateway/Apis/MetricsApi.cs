using System.Globalization;
using System.Text;
using Cluster.Contracts.Generation;
using Cluster.Gateway.Hosting;

namespace Cluster.Gateway.Apis;

/// <summary>
/// <c>GET /metrics</c>: engine load per model and device in Prometheus' text format, named after vLLM's gauges
/// (requests running and waiting, KV-cache usage, preemptions).
/// </summary>
public static class MetricsApi
{
    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/metrics", async (ModelDirectory models, IClusterClient cluster) =>
        {
            var text = new StringBuilder();
            var statuses = new List<ModelGrainStatus>();
            foreach (var model in await models.ListAsync().ConfigureAwait(false))
                statuses.Add(await cluster.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Device)).GetStatusAsync().ConfigureAwait(false));
            void Gauge(string name, string help, Func<ModelGrainStatus, double> value, string type = "gauge")
            {
                text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
                foreach (var s in statuses)
                    text.Append(CultureInfo.InvariantCulture, $"{name}{{model_name=\"{s.Model}\",device=\"{s.Device}\"}} {value(s).ToString(CultureInfo.InvariantCulture)}\n");
            }
            Gauge("cluster_num_requests_running", "Sequences in the running batch.", s => s.Running);
            Gauge("cluster_num_requests_waiting", "Sequences queued for admission.", s => s.Waiting);
            Gauge("cluster_kv_cache_usage_perc", "Fraction of KV-cache blocks in use (0-1).", s => s.CacheBlocks == 0 ? 0 : (double)s.UsedCacheBlocks / s.CacheBlocks);
            Gauge("cluster_kv_cache_blocks_total", "KV-cache blocks under the budget.", s => s.CacheBlocks);
            Gauge("cluster_kv_cache_block_size", "Positions per KV-cache block.", s => s.BlockSize);
            Gauge("cluster_kv_cache_bytes", "Bytes the KV cache holds.", s => s.CacheBytes);
            Gauge("cluster_num_preemptions_total", "Sequences preempted for lack of cache blocks.", s => s.Preemptions, "counter");
            return Results.Text(text.ToString(), "text/plain; version=0.0.4");
        });
        return app;
    }
}
