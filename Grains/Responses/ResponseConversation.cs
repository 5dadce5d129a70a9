using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Requests;
using Cluster.Contracts.Responses;

namespace Cluster.Grains.Responses;

/// <summary>
/// The conversation a response continues: its instructions (a system message; instructions are not carried over from
/// the previous response, as OpenAI's are not), the previous response's conversation, then this request's input,
/// whose <c>function_call_output</c> items must answer a call of the previous response or of the input itself.
/// </summary>
internal static class ResponseConversation
{
    public static ChatMessage[] Build(ResponseRequest request, StoredResponse? previous)
    {
        var pending = new HashSet<string>(previous?.PendingCallIds ?? [], StringComparer.Ordinal);
        var messages = request.Chat.Messages;
        for (int i = 0; i < messages.Length; i++)
        {
            foreach (var call in messages[i].ToolCalls ?? []) pending.Add(call.Id);
            if (messages[i] is { Role: "tool", ToolCallId: { } callId } && !pending.Remove(callId))
            {
                string param = request.InputFields[i] + ".call_id";
                throw RequestRejection.Invalid(param, previous is null
                    ? $"'{param}' is '{callId}', which answers no function call of the input."
                    : $"'{param}' is '{callId}', which answers no function call of response '{request.PreviousResponseId}' or of the input.").ToException();
            }
        }
        var instructions = request.Instructions is { } text ? new[] { new ChatMessage { Role = "system", Content = text } } : [];
        return [.. instructions, .. previous?.Conversation ?? [], .. messages];
    }

    /// <summary>A refusal of the chat turn a response runs as, naming the Responses API's field instead of chat's.</summary>
    public static RequestRejection InResponsesTerms(RequestRejection rejection) => rejection with
    {
        Param = rejection.Param switch
        {
            "messages" => "input",
            "max_tokens" => "max_output_tokens",
            "response_format" => "text.format",
            { } other when other.StartsWith("response_format.json_schema", StringComparison.Ordinal) => "text.format" + other["response_format.json_schema".Length..],
            var other => other,
        },
        Message = rejection.Message.Replace("max_tokens", "max_output_tokens", StringComparison.Ordinal),
    };

    /// <summary>What the next response continues from: the conversation without the instructions, plus this reply.</summary>
    public static List<ChatMessage> Record(ResponseRequest request, StoredResponse? previous, ChatCompletionChoice reply)
    {
        var calls = reply.Message.ToolCalls?.Select(c => new ChatToolCall(c.Id, c.Function.Name, c.Function.Arguments)).ToArray();
        return [.. previous?.Conversation ?? [], .. request.Chat.Messages,
            new ChatMessage { Role = "assistant", Content = reply.Message.Content, ToolCalls = calls, ReasoningContent = reply.Message.ReasoningContent }];
    }
}
