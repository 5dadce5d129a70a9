using System.Net.ServerSentEvents;
using Cluster.Contracts.Responses;
using Cluster.Gateway.Serialization;

namespace Cluster.Gateway.Apis;

/// <summary>
/// The Responses API's server-sent events: each named by its type (<c>event: response.output_text.delta</c>), a failure
/// after the start as an <c>error</c> event numbered after the last event sent, and no <c>[DONE]</c> marker.
/// </summary>
internal sealed class ResponsesSseFormat : SseFormat<ResponseStreamEvent>
{
    private int _next;

    public override SseItem<string> Item(ResponseStreamEvent e)
    {
        _next = e.SequenceNumber + 1;
        return new SseItem<string>(ResponsesJson.Serialize(e), e.Type);
    }

    public override SseItem<string> Error(OpenAIError error) =>
        new(ResponsesJson.ErrorEvent(_next, error.Code ?? error.Type, error.Message, error.Param), "error");

    public override SseItem<string>? End => null;
}
