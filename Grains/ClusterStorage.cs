namespace Cluster.Grains;

/// <summary>The grain-storage provider the cluster's grains persist to (memory by default; configurable).</summary>
public static class ClusterStorage
{
    public const string Name = "cluster";
}
