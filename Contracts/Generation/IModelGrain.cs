namespace Cluster.Contracts.Generation;

/// <summary>
/// One model on one device. Key: <see cref="ModelGrainKey"/>. The grain fronts the device's inference engine,
/// which batches every concurrent request into shared forward passes.
/// </summary>
[Alias("cluster.model")]
public interface IModelGrain : IGrainWithStringKey
{
    /// <summary>
    /// Streams the tokens generated for a tokenized prompt. The last item carries a finish reason. Cancelling
    /// (or abandoning the enumeration) frees the sequence at the engine's next step.
    /// </summary>
    [Alias("generate")]
    IAsyncEnumerable<GeneratedTokenEvent> GenerateAsync(TokenGenerationRequest request, CancellationToken cancellationToken = default);

    /// <summary>Load and capacity of the device's engine.</summary>
    [Alias("status")]
    Task<ModelGrainStatus> GetStatusAsync();
}

/// <summary>Builds and reads model grain keys: <c>{served model name}/{device}</c>, e.g. <c>tiny/cpu:0</c>.</summary>
public static class ModelGrainKey
{
    public static string For(string servedModelName, string device) => $"{servedModelName}/{device}";
}
