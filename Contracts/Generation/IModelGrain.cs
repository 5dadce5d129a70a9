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

    /// <summary>What a session on another silo needs to render prompts for this model and read its outputs.</summary>
    [Alias("frontend")]
    Task<ModelFrontendFiles> GetFrontendAsync();
}

/// <summary>
/// Builds and reads model grain keys: <c>{silo}/{device}/{served model name}</c>, e.g.
/// <c>127.0.0.1:11111@1234/cpu:0/tiny</c>. The key names its silo so that placement puts the grain on exactly that
/// silo (where the weights are); model names may contain '/', so the name comes last.
/// </summary>
public static class ModelGrainKey
{
    public static string For(string silo, string device, string servedModelName) => $"{silo}/{device}/{servedModelName}";

    public static (string Silo, string Device, string Model) Parse(string key)
    {
        var parts = key.Split('/', 3);
        if (parts.Length != 3) throw new FormatException($"'{key}' is not a model grain key ({{silo}}/{{device}}/{{model}}).");
        return (parts[0], parts[1], parts[2]);
    }
}

/// <summary>
/// A model's files other than weights (config, generation config, tokenizer, tokenizer config, chat templates) and
/// its resolved prompt settings, shipped to silos that host sessions for a model they do not run.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.model-frontend-files")]
public sealed record ModelFrontendFiles(
    [property: Id(0)] string Model,
    [property: Id(1)] long Created,
    [property: Id(2)] int MaxModelLength,
    [property: Id(3)] Dictionary<string, string> Files,
    [property: Id(4)] string? ToolCallParser,
    [property: Id(5)] string? ToolCallParserSpec,
    [property: Id(6)] string? ReasoningParser,
    [property: Id(7)] string? ChatTemplate);
