namespace Cluster.Contracts.Sessions;

/// <summary>The models the cluster serves, as silos register them; key 0. Backs <c>GET /v1/models</c>.</summary>
[Alias("cluster.model-catalog")]
public interface IModelCatalogGrain : IGrainWithIntegerKey
{
    [Alias("register")]
    Task RegisterAsync(ServedModel model);

    [Alias("list")]
    Task<ServedModel[]> ListAsync();
}

/// <summary>A served model and where it runs.</summary>
[GenerateSerializer, Immutable, Alias("cluster.served-model")]
public sealed record ServedModel(
    [property: Id(0)] string Name,
    [property: Id(1)] string Device,
    [property: Id(2)] long Created,
    [property: Id(3)] int MaxModelLength);
