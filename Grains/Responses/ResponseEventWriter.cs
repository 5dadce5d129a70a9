using System.Text;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Responses;

namespace Cluster.Grains.Responses;

/// <summary>
/// Turns a chat choice's streamed deltas into the Responses API's typed events and, from exactly those deltas, the
/// response's output items: reasoning text becomes a <c>reasoning</c> item, content a <c>message</c> item, each tool
/// call a <c>function_call</c> item, in the order they stream (an item is done when the next one starts). The final
/// response is this fold of the deltas, and a non-streamed request runs the same fold, so a streamed response and a
/// non-streamed one cannot differ.
/// </summary>
internal sealed class ResponseEventWriter(ResponseRequest request, string model, long createdAt)
{
    private readonly List<ResponseItem> _output = [];
    private OpenItem? _open;
    private int _sequence;

    private sealed class OpenItem(ResponseItem item, int index)
    {
        public ResponseItem Item { get; } = item;
        public int Index { get; } = index;
        public StringBuilder Text { get; } = new();
        public int? ToolCallIndex { get; init; }
    }

    /// <summary>
    /// Generated tokens whose text went to reasoning (<c>output_tokens_details.reasoning_tokens</c>): counted from the
    /// chunks' token ids (the session asks for them), since re-tokenizing the reasoning text need not give the same count.
    /// </summary>
    public int ReasoningTokens { get; private set; }

    public IEnumerable<ResponseStreamEvent> Start()
    {
        var snapshot = Snapshot(Response.InProgress, usage: null, incompleteReason: null, toolParse: null);
        yield return Event("response.created") with { Response = snapshot };
        yield return Event("response.in_progress") with { Response = snapshot };
    }

    public IEnumerable<ResponseStreamEvent> Add(ChunkChoice choice)
    {
        var delta = choice.Delta;
        if (delta.ReasoningContent is { Length: > 0 } reasoning)
        {
            ReasoningTokens += choice.TokenIds?.Length ?? 0;
            foreach (var e in AppendText(ResponseItem.Reasoning, reasoning)) yield return e;
        }
        if (delta.Content is { Length: > 0 } content)
            foreach (var e in AppendText(ResponseItem.Message, content)) yield return e;
        foreach (var call in delta.ToolCalls ?? [])
        {
            if (call.Id is not null || _open?.ToolCallIndex != call.Index)
            {
                foreach (var e in Close(Response.Completed)) yield return e;
                var item = new ResponseItem
                {
                    Type = ResponseItem.FunctionCall,
                    Id = ResponseItemId.Output(request.Id, ResponseItem.FunctionCall, _output.Count),
                    Status = Response.InProgress,
                    CallId = call.Id ?? "call_" + Guid.NewGuid().ToString("N"),
                    Name = call.Function.Name ?? "",
                    Arguments = "",
                };
                _open = new OpenItem(item, _output.Count) { ToolCallIndex = call.Index };
                _output.Add(item);
                yield return Event("response.output_item.added") with { OutputIndex = _open.Index, Item = item };
            }
            if (call.Function.Arguments is { Length: > 0 } arguments)
            {
                _open!.Text.Append(arguments);
                yield return Event("response.function_call_arguments.delta") with { OutputIndex = _open.Index, ItemId = _open.Item.Id, Delta = arguments };
            }
        }
    }

    /// <summary>Closes the last item and ends with <c>response.completed</c> or <c>response.incomplete</c>.</summary>
    public IEnumerable<ResponseStreamEvent> Finish(ResponseUsage usage, string? incompleteReason, ToolParseReport? toolParse)
    {
        string status = incompleteReason is null ? Response.Completed : Response.Incomplete;
        foreach (var e in Close(status)) yield return e;
        yield return Event(status == Response.Completed ? "response.completed" : "response.incomplete") with
        {
            Response = Snapshot(status, usage, incompleteReason, toolParse),
        };
    }

    private Response Snapshot(string status, ResponseUsage? usage, string? incompleteReason, ToolParseReport? toolParse) => new()
    {
        Id = request.Id,
        CreatedAt = createdAt,
        Status = status,
        Model = model,
        Output = _output.ToArray(),
        Usage = usage,
        IncompleteReason = incompleteReason,
        PreviousResponseId = request.PreviousResponseId,
        Settings = request.Settings,
        ToolParse = toolParse,
    };

    private IEnumerable<ResponseStreamEvent> AppendText(string type, string text)
    {
        string partType = type == ResponseItem.Reasoning ? "reasoning_text" : "output_text";
        if (_open?.Item.Type != type)
        {
            foreach (var e in Close(Response.Completed)) yield return e;
            var item = new ResponseItem
            {
                Type = type,
                Id = ResponseItemId.Output(request.Id, type, _output.Count),
                Status = Response.InProgress,
                Role = type == ResponseItem.Message ? "assistant" : null,
            };
            _open = new OpenItem(item, _output.Count);
            _output.Add(item);
            yield return Event("response.output_item.added") with { OutputIndex = _open.Index, Item = item };
            yield return Event("response.content_part.added") with { OutputIndex = _open.Index, ItemId = item.Id, ContentIndex = 0, PartType = partType, Text = "" };
        }
        _open.Text.Append(text);
        yield return Event(type == ResponseItem.Reasoning ? "response.reasoning_text.delta" : "response.output_text.delta") with
        {
            OutputIndex = _open.Index, ItemId = _open.Item.Id, ContentIndex = 0, Delta = text,
        };
    }

    private IEnumerable<ResponseStreamEvent> Close(string status)
    {
        if (_open is not { } open) yield break;
        _open = null;
        string text = open.Text.ToString();
        string itemStatus = status == Response.Incomplete ? Response.Incomplete : Response.Completed;
        if (open.Item.Type == ResponseItem.FunctionCall)
        {
            var call = open.Item with { Arguments = text, Status = itemStatus };
            _output[open.Index] = call;
            yield return Event("response.function_call_arguments.done") with { OutputIndex = open.Index, ItemId = call.Id, Text = text, Item = call };
            yield return Event("response.output_item.done") with { OutputIndex = open.Index, Item = call };
            yield break;
        }
        bool reasoning = open.Item.Type == ResponseItem.Reasoning;
        string partType = reasoning ? "reasoning_text" : "output_text";
        var done = open.Item with { Text = text, Status = itemStatus };
        _output[open.Index] = done;
        yield return Event(reasoning ? "response.reasoning_text.done" : "response.output_text.done") with { OutputIndex = open.Index, ItemId = done.Id, ContentIndex = 0, Text = text };
        yield return Event("response.content_part.done") with { OutputIndex = open.Index, ItemId = done.Id, ContentIndex = 0, PartType = partType, Text = text };
        yield return Event("response.output_item.done") with { OutputIndex = open.Index, Item = done };
    }

    private ResponseStreamEvent Event(string type) => new() { Type = type, SequenceNumber = _sequence++ };
}
