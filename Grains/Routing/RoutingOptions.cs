namespace Cluster.Grains.Routing;

/// <summary>How session turns choose among a model's replicas (<c>--routing-policy</c>).</summary>
public enum RoutingPolicy
{
    /// <summary>Least loaded, weighed against how much of the prompt each replica's prefix cache holds (<see cref="ReplicaScoring"/>).</summary>
    PrefixAware,

    /// <summary>Least loaded only.</summary>
    LeastLoaded,
}

/// <summary>The routing settings of a silo's <see cref="ReplicaRouter"/>.</summary>
public sealed record RoutingOptions
{
    public RoutingPolicy Policy { get; init; } = RoutingPolicy.PrefixAware;

    /// <summary>The flag's values: <c>prefix-aware</c> (default) and <c>least-loaded</c>.</summary>
    /// <exception cref="ArgumentException">Another value.</exception>
    public static RoutingPolicy ParsePolicy(string value) => value switch
    {
        "prefix-aware" => RoutingPolicy.PrefixAware,
        "least-loaded" => RoutingPolicy.LeastLoaded,
        _ => throw new ArgumentException($"--routing-policy must be prefix-aware or least-loaded, got '{value}'"),
    };
}
