using System.Text.Json;
using Cluster.Contracts.Models;

namespace Cluster.Gateway.Apis;

/// <summary>
/// The gateway's bound on a requested output length, shared by both completion endpoints: no token budget may
/// exceed the model's whole context (<c>max_model_len</c>). Whether prompt plus budget fit is the session grain's
/// check, since only it knows the prompt's length.
/// </summary>
internal static class ContextLength
{
    /// <summary>Refuses each of <paramref name="fields"/> the body sets above the context of the model's <paramref name="replicas"/>
    /// (the smallest, should they differ).</summary>
    /// <remarks>The readers have already checked the fields' types and lower bounds.</remarks>
    public static void EnsureBudgetFits(JsonElement body, IReadOnlyCollection<ReplicaStatus> replicas, params ReadOnlySpan<string> fields)
    {
        var model = (Name: replicas.First().Replica.Model, MaxModelLength: replicas.Min(r => r.Replica.MaxModelLength));
        foreach (string field in fields)
        {
            if (body.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number
                && value.TryGetInt64(out long tokens) && tokens > model.MaxModelLength)
                throw RequestValidationException.Invalid(field, $"Invalid '{field}': {tokens} tokens do not fit in the context of model '{model.Name}', which holds {model.MaxModelLength} (max_model_len).");
        }
    }
}
