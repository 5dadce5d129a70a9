using System.Net;
using Cluster.Grains.Hosting;

namespace Cluster.Silo;

/// <summary>How a silo joins the cluster and what it serves.</summary>
public sealed record ClusterSiloOptions
{
    public IReadOnlyList<ServedModelOptions> Models { get; init; } = [];

    /// <summary><c>--cluster</c>: the shared Redis of a multi-process cluster; null for the single-process default
    /// (in-process membership and memory storage, which end with the process).</summary>
    public ClusterAddress? Cluster { get; init; }

    /// <summary><c>--cluster-id</c>: silos and gateways with the same id (and Redis) form one cluster.</summary>
    public string ClusterId { get; init; } = DefaultClusterId;

    /// <summary><c>--advertised-address</c> (or <c>POD_IP</c>): the address other processes reach this silo at; loopback by default.</summary>
    public IPAddress? AdvertisedAddress { get; init; }

    /// <summary>Silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; }

    /// <summary>Port gateways (Orleans clients) connect to; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary><c>--routing-policy</c>: how this silo's session turns choose among a model's replicas.</summary>
    public Grains.Routing.RoutingOptions Routing { get; init; } = new();

    /// <summary><c>--drain-timeout</c>: how long a stopping silo lets running streams finish.</summary>
    public TimeSpan DrainTimeout { get; init; } = DrainOptions.Default.Timeout;

    /// <summary>
    /// How long a grain call may wait. Orleans' 30 s default would leave a client hanging that long when a silo
    /// dies mid-stream; streaming pulls heartbeat every half of this, so clients must wait at least as long.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>--dashboard</c>: the Orleans Dashboard's grains and collectors on this silo (every silo of a cluster
    /// whose gateways show the dashboard needs them).</summary>
    public bool Dashboard { get; init; }

    public const string DefaultClusterId = "llm-cluster";

    /// <summary>Orleans' service id: the same for every cluster of this product (storage keys include it).</summary>
    public const string ServiceId = "llm-serving";
}
