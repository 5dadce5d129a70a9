using System.Runtime.CompilerServices;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Requests;
using Cluster.Contracts.Responses;
using Cluster.Contracts.Sessions;
using Cluster.Grains.Responses;
using Cluster.Grains.Telemetry;

namespace Cluster.Grains.Sessions;

/// <summary>
/// The Responses API on a session grain. A stored response is a stateful session of its own (keyed by
/// <see cref="StoredResponse.SessionKey"/>) that holds the response and the conversation up to it; a response that
/// continues another (<c>previous_response_id</c>) reads that conversation from the other's grain, so conversations may
/// fork and each response stays readable, on any silo, from the grain storage sessions persist to. <c>store: false</c>
/// runs on a single-use session and keeps nothing.
/// </summary>
public sealed partial class SessionGrain
{
    public async IAsyncEnumerable<ResponseStreamEvent> RespondAsync(ResponseRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turnLease = BeginTurn();
        using var span = GrainTelemetry.StartTurn("session.response", request.Chat.Model, this.GetPrimaryKeyString());
        var header = new ResponseStreamEvent { Type = "header", Host = HostSilo };
        yield return header;
        var model = await frontends.GetAsync(request.Chat.Model);
        var previous = request.PreviousResponseId is { } previousId
            ? await GrainFactory.GetGrain<ISessionGrain>(StoredResponse.SessionKey(previousId)).GetStoredResponseAsync("previous_response_id")
            : null;
        if (previous is not null && previous.Response.Model != request.Chat.Model)
            throw RequestRejection.Invalid("model", $"Response '{request.PreviousResponseId}' was made by model '{previous.Response.Model}', not '{request.Chat.Model}'.").ToException();
        // Token ids on every chunk, so that reasoning tokens can be counted (they are not sent on).
        ChatTurn plan;
        try
        {
            plan = ChatTurn.Prepare(model, request.Chat with { ReturnTokenIds = true }, ResponseConversation.Build(request, previous));
        }
        catch (RequestRejectedException e)
        {
            throw ResponseConversation.InResponsesTerms(e.Rejection).ToException();
        }
        var writer = new ResponseEventWriter(request, model.Name, DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        if (request.Stream)
            foreach (var e in writer.Start()) yield return e;

        var route = Route(model.Name);
        var choice = plan.CreateChoices()[0];
        var finishes = new TaskCompletionSource<string[]>();
        GrainTelemetry.MakeCurrent(span);
        await foreach (var output in RunChoicesAsync(plan, [choice], route, finishes, cancellationToken))
        {
            if (output is null)
            {
                // Keep-alives serve the streaming relay's inactivity watchdog; a non-streamed request waits for one result.
                if (request.Stream) yield return header;
                continue;
            }
            foreach (var e in writer.Add(output))
                if (request.Stream) yield return e;
        }

        string finish = (await finishes.Task)[0];
        var reply = choice.Complete(finish);
        var usage = plan.Usage(choice.TokenCount);
        var terminal = writer.Finish(
            new ResponseUsage(usage.PromptTokens, usage.PromptTokensDetails?.CachedTokens ?? 0, usage.CompletionTokens, writer.ReasoningTokens),
            finish == "length" ? "max_output_tokens" : null,
            reply.ToolParse).ToList();
        if (Stateful)
        {
            // Stored before the client hears of the response, so that its next request can already continue it.
            var s = state.State;
            s.Model = request.Chat.Model;
            s.Messages = ResponseConversation.Record(request, previous, reply);
            s.PendingToolCallIds = reply.Message.ToolCalls?.Select(c => c.Id).ToList() ?? [];
            s.Response = terminal[^1].Response;
            s.ResponseInput = request.Input;
            await state.WriteStateAsync();
        }
        foreach (var e in terminal)
            if (request.Stream || e.IsTerminal) yield return e;
    }

    public Task<StoredResponse> GetStoredResponseAsync(string param)
    {
        var s = state.State;
        if (s.Response is null || !SessionOwnership.Visible(s, SessionOwner.Current))
        {
            string id = StoredResponse.ResponseId(this.GetPrimaryKeyString());
            throw new RequestRejection(404, $"Response with id '{id}' not found.", param, "response_not_found").ToException();
        }
        return Task.FromResult(new StoredResponse(s.Response, s.ResponseInput ?? [], s.Messages.ToArray(), s.PendingToolCallIds.ToArray()));
    }
}
