using System.Diagnostics.Metrics;
using Cluster.Contracts.Generation;
using Cluster.Contracts.Models;
using Cluster.Silo.Telemetry;

namespace Cluster.Silo.Metrics;

/// <summary>
/// Replica load as observable OpenTelemetry instruments, one series per replica (<c>model_name</c>, <c>replica</c>,
/// <c>device</c>), read at each scrape from the replicas' latest load reports: vLLM's names where vLLM has the figure,
/// <c>cluster_</c> ones for the rest. Gateways observe every live replica of the cluster, a standalone silo its own.
/// </summary>
public sealed class ReplicaMetrics
{
    /// <summary>
    /// The meter's name. Created through the host's <see cref="IMeterFactory"/>: the instruments read that host's
    /// replicas, and only that host exports them (see <see cref="ClusterTelemetry"/>).
    /// </summary>
    public const string MeterName = "Cluster.Replicas";

    private readonly Func<IEnumerable<ReplicaStatus>> _replicas;

    public ReplicaMetrics(IMeterFactory meters, Func<IEnumerable<ReplicaStatus>> replicas)
    {
        _replicas = replicas;
        var meter = meters.Create(MeterName);
        const string P = ClusterTelemetry.VllmPrefix;
        meter.CreateObservableGauge(P + "num_requests_running", () => Each(s => (long)s.Running), "{request}", "Sequences in the replica's running batch.");
        meter.CreateObservableGauge(P + "num_requests_waiting", () => Each(s => (long)s.Waiting), "{request}", "Sequences queued for admission.");
        meter.CreateObservableGauge(P + "kv_cache_usage_perc", () => Each(s => s.CacheBlocks == 0 ? 0 : (double)s.UsedCacheBlocks / s.CacheBlocks), null,
            "Fraction of KV-cache blocks in use (0-1).");
        meter.CreateObservableCounter(P + "num_preemptions_total", () => Each(s => s.Preemptions), "{preemption}", "Sequences preempted for lack of cache blocks.");
        meter.CreateObservableCounter(P + "generation_tokens_total", () => Each(s => s.GeneratedTokens), "{token}", "Tokens the replica generated since it started.");
        meter.CreateObservableCounter(P + "prefix_cache_queries_total", () => Each(s => s.PrefixCacheQueries), "{token}", "Prompt tokens looked up in the prefix cache.");
        meter.CreateObservableCounter(P + "prefix_cache_hits_total", () => Each(s => s.PrefixCacheHits), "{token}", "Prompt tokens found in the prefix cache.");
        meter.CreateObservableGauge("cluster_kv_cache_blocks_total", () => Each(s => (long)s.CacheBlocks), "{block}", "KV-cache blocks under the budget.");
        meter.CreateObservableGauge("cluster_kv_cache_block_size", () => Each(s => (long)s.BlockSize), "{token}", "Positions per KV-cache block.");
        meter.CreateObservableGauge("cluster_kv_cache_bytes", () => Each(s => s.CacheBytes), "By", "Bytes the KV cache holds.");
        meter.CreateObservableGauge("cluster_replica_draining", () => Each((_, draining) => draining ? 1L : 0L), null, "1 while the replica's silo drains (takes no new sequences).");
    }

    private IEnumerable<Measurement<T>> Each<T>(Func<ModelGrainStatus, T> value) where T : struct => Each((s, _) => value(s));

    private IEnumerable<Measurement<T>> Each<T>(Func<ModelGrainStatus, bool, T> value) where T : struct
    {
        foreach (var r in _replicas())
        {
            if (r.Load is not { } load) continue;
            yield return new Measurement<T>(value(load, r.Draining),
                new KeyValuePair<string, object?>("model_name", r.Replica.Model),
                new("replica", r.Replica.Label),
                new("device", r.Replica.Device));
        }
    }
}
