using System.Runtime.CompilerServices;
using Cluster.Contracts.Generation;
using Cluster.Contracts.Requests;
using Cluster.Engine.Sampling;
using Cluster.Engine.Scheduling;
using Cluster.Grains.Constraints;
using Cluster.Grains.Hosting;
using Cluster.Grains.Placement;
using Cluster.Grains.Telemetry;

namespace Cluster.Grains.Models;

/// <summary>
/// Fronts one replica: one model's <see cref="InferenceEngine"/> on one device of one silo, where
/// <see cref="SiloBoundPlacementAttribute"/> keeps it. Every call is a stream pulled by the caller; Orleans
/// interleaves the pulls of concurrent streams, and the engine batches their sequences into shared steps.
/// The grain holds no per-request state: the engine's device thread does.
/// </summary>
[SiloBoundPlacement]
public sealed class ModelGrain(ModelHost host) : Grain, IModelGrain
{
    /// <exception cref="RequestRejectedException">503 when this silo does not run the model (any more), so the caller routes elsewhere.</exception>
    private ServedModel Model
    {
        get
        {
            var (_, _, name) = ModelGrainKey.Parse(this.GetPrimaryKeyString());
            return host.TryGet(name, out var model)
                ? model
                : throw new RequestRejection(503, $"This silo does not run model '{name}'.", "model", "replica_unavailable").ToException();
        }
    }

    public async IAsyncEnumerable<GeneratedTokenEvent> GenerateAsync(TokenGenerationRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = Model;
        if (host.State == HostState.Draining)
            throw new RequestRejection(503, "This replica is draining and takes no new sequences.", null, "replica_draining").ToException();
        if (model.Engine.CheckPrompt(request.PromptTokenIds.Length) is { } problem) throw RequestRejection.Invalid("messages", problem).ToException();
        // The engine captures the current activity at submission: this span parents its queue, prefill and decode spans.
        using var span = GrainTelemetry.StartGenerate(model.Name, this.GetPrimaryKeyString(), request.PromptTokenIds.Length);
        var engineRequest = new GenerationRequest(request.PromptTokenIds, ToEngine(request.Sampling, model.Frontend.Folder.GenerationConfig), request.MaxTokens)
        {
            StopTokenIds = request.StopTokenIds.ToHashSet(),
            MinTokens = request.MinTokens,
            Constraint = request.Constraint is { } constraint ? ConstraintGrammar.CreateMatcher(model.Frontend, constraint) : null,
        };
        await foreach (var token in model.Engine.GenerateAsync(engineRequest, cancellationToken).ConfigureAwait(true))
        {
            yield return new GeneratedTokenEvent(token.TokenId, token.Finish is FinishReason f ? ToContract(f) : null, token.Logprob,
                token.TopLogprobs?.Select(t => new TokenLogprobEvent(t.TokenId, t.Logprob)).ToArray(), token.CachedPromptTokens);
        }
    }

    public Task<ModelGrainStatus> GetStatusAsync() => Task.FromResult(Model.Status());

    public Task<ModelFrontendFiles> GetFrontendAsync() => Task.FromResult(ModelFrontends.Describe(Model));

    /// <summary>The request's sampling fields, with the model's generation_config.json filling the ones it left out.</summary>
    private static SamplingParameters ToEngine(SamplingOptions o, Engine.ModelFiles.GenerationConfig defaults) => new()
    {
        Temperature = o.Temperature ?? (float?)defaults.Temperature ?? 1f,
        TopP = o.TopP ?? (float?)defaults.TopP ?? 1f,
        TopK = o.TopK ?? defaults.TopK ?? 0,
        RepetitionPenalty = o.RepetitionPenalty ?? (float?)defaults.RepetitionPenalty ?? 1f,
        MinP = o.MinP,
        Seed = o.Seed,
        PresencePenalty = o.PresencePenalty,
        FrequencyPenalty = o.FrequencyPenalty,
        LogitBias = o.LogitBias,
        Logprobs = o.Logprobs,
    };

    private static GenerationFinishReason ToContract(FinishReason reason) => reason switch
    {
        FinishReason.Stop => GenerationFinishReason.Stop,
        FinishReason.Length => GenerationFinishReason.Length,
        FinishReason.Cancelled => GenerationFinishReason.Cancelled,
        _ => GenerationFinishReason.Error,
    };
}
