using System.Net.ServerSentEvents;
using Cluster.Gateway.Serialization;

namespace Cluster.Gateway.Apis;

/// <summary>
/// How a relayed stream is written as server-sent events. Chat and text completions (this base) send each chunk as a
/// <c>data</c> line, an error as an OpenAI error object, and end with <c>[DONE]</c>; the Responses API names each event
/// and ends without a marker (<see cref="ResponsesSseFormat"/>).
/// </summary>
internal class SseFormat<TChunk>
{
    public virtual SseItem<string> Item(TChunk chunk) => new(OpenAIJson.Serialize(chunk));

    public virtual SseItem<string> Error(OpenAIError error) => new(OpenAIJson.Serialize(new OpenAIErrorResponse(error)));

    /// <summary>The last event, after a stream that ended well; null for none.</summary>
    public virtual SseItem<string>? End => new SseItem<string>("[DONE]");
}
