using Cluster.Grains.Hosting;

namespace Cluster.Silo;

/// <summary>How a silo joins the cluster and what it serves.</summary>
public sealed record ClusterSiloOptions
{
    public IReadOnlyList<ServedModelOptions> Models { get; init; } = [];

    /// <summary>Silo-to-silo port; 0 picks a free one.</summary>
    public int SiloPort { get; init; } = 11111;

    /// <summary>Port external Orleans clients (gateways) connect to; 0 picks a free one.</summary>
    public int GatewayPort { get; init; } = 30000;

    /// <summary>
    /// How long a grain call may wait. Orleans' 30 s default would leave a client hanging that long when a silo
    /// dies mid-stream; streaming pulls heartbeat every half of this, so clients must wait at least as long.
    /// </summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
