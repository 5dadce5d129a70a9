using System.Diagnostics;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Responses;
using Cluster.Contracts.Sessions;
using Cluster.Gateway.Security;

namespace Cluster.Gateway.Telemetry;

/// <summary>
/// Watches one request's output on its way to the client and records its request-level metrics: the first generated
/// delta (time to first token), the gaps between deltas (inter-token latency), and on completion the end-to-end latency,
/// token counts from the usage the session reports, and each choice's finish reason. The session always reports usage
/// to the gateway (<see cref="WithUsage(ChatCompletionRequest)"/>); the usage chunk reaches the client only when it
/// asked for it (<see cref="Forward"/>). The same usage is charged to the caller's key when it has a token limit.
/// </summary>
internal sealed class RequestObserver(string model, string api, bool clientWantsUsage, ApiCaller? caller)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly KeyValuePair<string, object?> _model = new("model_name", model);
    private long _lastOutput;
    private CompletionUsage? _usage;
    private readonly List<string> _finishes = [];

    public string Api => api;

    public static ChatCompletionRequest WithUsage(ChatCompletionRequest request) => request with { IncludeUsage = true };

    public static CompletionRequest WithUsage(CompletionRequest request) => request with { IncludeUsage = true };

    /// <summary>Observes a chunk (or a whole non-streamed result); false when it must not reach the client.</summary>
    public bool Forward(ISessionChunk chunk)
    {
        bool output = false;
        switch (chunk)
        {
            case ChatCompletionChunk c:
                foreach (var choice in c.Choices)
                {
                    // Every chunk choice but the role and the finish ones stands for generated tokens, text or not
                    // (the session sends one for the first token even when its text is still empty).
                    output |= choice.Delta is { Content.Length: > 0 } or { ReasoningContent.Length: > 0 } or { ToolCalls.Length: > 0 }
                        || choice.Delta.Role is null && (choice.FinishReason is null || choice.TokenIds is { Length: > 0 } || choice.Logprobs is not null);
                    if (choice.FinishReason is { } finish) _finishes.Add(finish);
                }
                _usage = c.Usage ?? _usage;
                if (c.Usage is not null && c.Choices.Length == 0 && !clientWantsUsage) return false;
                break;
            case Completion c:
                foreach (var choice in c.Choices)
                {
                    // Every piece but the final one is written for a generated token, text or not.
                    output |= choice.Text.Length > 0 || choice.FinishReason is null || choice.TokenIds is { Length: > 0 };
                    if (choice.FinishReason is { } finish) _finishes.Add(finish);
                }
                _usage = c.Usage ?? _usage;
                if (c.Usage is not null && c.Choices.Length == 0 && !clientWantsUsage) return false;
                break;
            case ResponseStreamEvent e:
                output = e.Type is "response.output_text.delta" or "response.reasoning_text.delta" or "response.function_call_arguments.delta"
                    || (e.Type == "response.output_item.added" && e.Item?.Type == ResponseItem.FunctionCall);
                if (e.IsTerminal && e.Response is { } response)
                {
                    if (response.Usage is { } u)
                        _usage = new CompletionUsage(u.InputTokens, u.OutputTokens, u.TotalTokens) { PromptTokensDetails = new PromptTokensDetails(u.CachedTokens) };
                    // The finish reason chat would have reported, so both APIs count alike.
                    _finishes.Add(response.IncompleteReason is not null ? "length"
                        : response.Output.Any(i => i.Type == ResponseItem.FunctionCall) ? "tool_calls" : "stop");
                }
                break;
            case ChatCompletion c:
                foreach (var choice in c.Choices) _finishes.Add(choice.FinishReason);
                _usage = c.Usage;
                break;
        }
        if (output)
        {
            long now = Stopwatch.GetTimestamp();
            if (_lastOutput == 0) GatewayMetrics.TimeToFirstToken.Record(Stopwatch.GetElapsedTime(_started, now).TotalSeconds, _model);
            else GatewayMetrics.InterTokenLatency.Record(Stopwatch.GetElapsedTime(_lastOutput, now).TotalSeconds, _model);
            _lastOutput = now;
        }
        return true;
    }

    /// <summary>The request completed: its latency, lengths and finish reasons.</summary>
    public void Completed()
    {
        caller?.Charge(_usage);
        GatewayMetrics.EndToEndLatency.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, _model);
        if (_usage is { } usage)
        {
            GatewayMetrics.RequestPromptTokens.Record(usage.PromptTokens, _model);
            GatewayMetrics.RequestGenerationTokens.Record(usage.CompletionTokens, _model);
            GatewayMetrics.PromptTokens.Add(usage.PromptTokens, _model);
        }
        foreach (var finish in _finishes) GatewayMetrics.RequestSuccess.Add(1, _model, new KeyValuePair<string, object?>("finished_reason", finish));
    }

    /// <summary>The stream ended with an error event after it started.</summary>
    public void Failed(string? code) =>
        GatewayMetrics.StreamErrors.Add(1, _model, new("api", api), new KeyValuePair<string, object?>("code", code ?? "server_error"));
}
