using Cluster.Contracts.Requests;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Grains.Hosting;
using Cluster.Grains.Routing;
using Cluster.Grains.Telemetry;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// A conversation: renders the prompt, runs generation on the device's model grain, and turns its tokens into
/// OpenAI chunks (text, reasoning and tool-call deltas from the incremental parsers). Everything model-specific
/// happens here, so the gateway only forwards finished chunks.
/// </summary>
public sealed partial class SessionGrain(
    ModelFrontends frontends, ReplicaRouter router, SiloWatch silos, SessionTurns turns, ILocalSiloDetails siloDetails, IMeterFactory meters,
    [PersistentState("session", ClusterStorage.Name)] IPersistentState<SessionState> state)
    : Grain, ISessionGrain
{
    private bool _busy;

    /// <summary>The replica this session's last turn ran on: the next turn goes there while it is available (its KV
    /// cache and, later, prefix cache are warm for this conversation). In memory only: after a move it is re-picked.</summary>
    private string? _replica;

    /// <summary>The previous turn's prompt pieces and token ids, so a stateful session's turn tokenizes only what is new.</summary>
    private readonly PromptTokenMemo _promptTokens = new();

    /// <summary>
    /// A stateless request's grain is single-use: it deactivates shortly after its call ended, so that stateless traffic
    /// leaves no activations behind (each would otherwise linger until idle collection, 15 minutes by default). Not at
    /// once: the caller may still be collecting the stream's last items or its error, which deactivation would discard.
    /// </summary>
    private void RetireSoon() =>
        this.RegisterGrainTimer(_ =>
        {
            DeactivateOnIdle();
            return Task.CompletedTask;
        }, new GrainTimerCreationOptions(StatelessLinger, Timeout.InfiniteTimeSpan) { Interleave = true });

    private static readonly TimeSpan StatelessLinger = TimeSpan.FromSeconds(5);

    /// <summary>This silo, named on a stream's first item (see <see cref="ISessionChunk"/>).</summary>
    private string HostSilo => siloDetails.SiloAddress.ToParsableString();

    private ModelRoute Route(string model) => new(model, router, silos, GrainFactory, Stateful ? _replica : null);

    private bool Stateful => !this.GetPrimaryKeyString().StartsWith(ISessionGrain.EphemeralPrefix, StringComparison.Ordinal);

    public async IAsyncEnumerable<ChatCompletionChunk> StreamChatCompletionAsync(ChatCompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turnLease = BeginTurn();
        using var span = GrainTelemetry.StartTurn("session.chat_completion", request.Model, this.GetPrimaryKeyString());
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        yield return new ChatCompletionChunk { Id = id, Created = created, Model = request.Model, Choices = [], Host = HostSilo };
        var model = await frontends.GetAsync(request.Model);
        var plan = PrepareChat(model, request);
        ChatCompletionChunk Chunk(params ChunkChoice[] choices) => new() { Id = id, Created = created, Model = model.Name, Choices = choices };

        var first = Chunk(Enumerable.Range(0, request.N).Select(i => new ChunkChoice { Index = i, Delta = new ChatCompletionDelta { Role = "assistant", Content = "" } }).ToArray());
        yield return request.ReturnTokenIds ? first with { PromptTokenIds = plan.Prompt.TokenIds } : first;

        var route = Route(model.Name);
        var choices = plan.CreateChoices();
        var finishes = new TaskCompletionSource<string[]>();
        GrainTelemetry.MakeCurrent(span);
        var header = new ChatCompletionChunk { Id = id, Created = created, Model = request.Model, Choices = [], Host = HostSilo };
        await foreach (var choice in RunChoicesAsync(plan, choices, route, finishes, cancellationToken))
            yield return choice is null ? header : Chunk(choice);

        _replica = route.Replica;
        await RecordAsync(request, choices[0].Complete((await finishes.Task)[0]));
        if (request.IncludeUsage)
        {
            yield return Chunk() with { Usage = plan.Usage(choices.Sum(c => c.TokenCount)) };
        }
    }

    /// <summary>
    /// Runs every choice of a streamed turn, yielding their chunk choices as they come and null for a keep-alive while
    /// none comes; once all are done, <paramref name="finishes"/> holds their finish reasons. Shared by chat and the
    /// Responses API, whose events are made from these chunk choices.
    /// </summary>
    private static async IAsyncEnumerable<ChunkChoice?> RunChoicesAsync(ChatTurn plan, ChoiceStream[] choices, ModelRoute route,
        TaskCompletionSource<string[]> finishes, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var outputs = Channel.CreateUnbounded<ChunkChoice>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var all = Task.WhenAll(choices.Select(c => RunChoiceAsync(c, plan, route, outputs.Writer, stop.Token)));
        _ = all.ContinueWith(t => outputs.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Current);
        try
        {
            await foreach (var choice in KeepAlive.Interleave(outputs.Reader.ReadAllAsync(cancellationToken), KeepAlive.Interval, cancellationToken))
                yield return choice;
        }
        finally
        {
            stop.Cancel();
        }
        finishes.SetResult(await all);
    }

    /// <summary>
    /// Generates one choice, writing its chunk choices (the finish reason last) when streaming; returns the finish reason.
    /// </summary>
    private static async Task<string> RunChoiceAsync(ChoiceStream choice, ChatTurn plan, ModelRoute route, ChannelWriter<ChunkChoice>? output, CancellationToken cancellationToken)
    {
        string? finish = null;
        await foreach (var token in route.GenerateAsync(plan.GenerationFor(choice.Index), cancellationToken).WithCancellation(cancellationToken))
        {
            if (token.FinishReason == GenerationFinishReason.Error)
                throw new InvalidOperationException("The model failed while generating this response.");
            plan.Observe(choice.Index, token);
            foreach (var c in choice.Append(token)) output?.TryWrite(c);
            if (choice.Stopped) { finish = "stop"; break; }
            if (token.FinishReason is GenerationFinishReason reason)
            {
                finish = reason.ToOpenAI();
                break;
            }
        }
        foreach (var c in choice.Finish()) output?.TryWrite(c);
        string finishReason = plan.FinishReason(choice, finish ?? "stop");
        output?.TryWrite(choice.Final(finishReason));
        return finishReason;
    }

    public async IAsyncEnumerable<ChatCompletion> CreateChatCompletionAsync(ChatCompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turnLease = BeginTurn();
        using var span = GrainTelemetry.StartTurn("session.chat_completion", request.Model, this.GetPrimaryKeyString());
        yield return new ChatCompletion { Id = "", Created = 0, Model = request.Model, Choices = [], Usage = new CompletionUsage(0, 0, 0), Host = HostSilo };
        var model = await frontends.GetAsync(request.Model);
        var plan = PrepareChat(model, request);
        var route = Route(model.Name);
        var choices = plan.CreateChoices();
        GrainTelemetry.MakeCurrent(span);
        var finishes = await Task.WhenAll(choices.Select(c => RunChoiceAsync(c, plan, route, output: null, cancellationToken)));
        _replica = route.Replica;
        var completed = choices.Select((c, i) => c.Complete(finishes[i])).ToArray();
        await RecordAsync(request, completed[0]);
        yield return new ChatCompletion
        {
            Id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = model.Name,
            Choices = completed,
            Usage = plan.Usage(choices.Sum(c => c.TokenCount)),
            PromptTokenIds = request.ReturnTokenIds ? plan.Prompt.TokenIds : null,
        };
    }

    public async IAsyncEnumerable<Completion> StreamCompletionAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turnLease = BeginTurn();
        var header = new Completion { Id = "", Created = 0, Model = request.Model, Choices = [], Host = HostSilo };
        using var span = GrainTelemetry.StartTurn("session.completion", request.Model, this.GetPrimaryKeyString());
        yield return header;
        var model = await frontends.GetAsync(request.Model);
        var turn = CompletionTurn.Prepare(model, request);
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        GrainTelemetry.MakeCurrent(span);
        await foreach (var piece in KeepAlive.Interleave(turn.RunAsync(Route(model.Name), cancellationToken), KeepAlive.Interval, cancellationToken))
            yield return piece is null ? header : new Completion { Id = id, Created = created, Model = model.Name, Choices = [piece] };
        if (request.IncludeUsage)
            yield return new Completion { Id = id, Created = created, Model = model.Name, Choices = [], Usage = turn.Usage };
    }

    public async IAsyncEnumerable<Completion> CreateCompletionAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turnLease = BeginTurn();
        using var span = GrainTelemetry.StartTurn("session.completion", request.Model, this.GetPrimaryKeyString());
        yield return new Completion { Id = "", Created = 0, Model = request.Model, Choices = [], Host = HostSilo };
        var model = await frontends.GetAsync(request.Model);
        var turn = CompletionTurn.Prepare(model, request);
        var pieces = new List<CompletionChoice>();
        GrainTelemetry.MakeCurrent(span);
        await foreach (var piece in turn.RunAsync(Route(model.Name), cancellationToken)) pieces.Add(piece);
        yield return new Completion
        {
            Id = "cmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = model.Name,
            Choices = CompletionTurn.Merge(pieces),
            Usage = turn.Usage,
        };
    }

    public async Task<TokenizeResult> TokenizeAsync(TokenizeRequest request)
    {
        try
        {
            return ServingTokenization.Tokenize(await frontends.GetAsync(request.Model), request);
        }
        finally
        {
            if (!Stateful) RetireSoon();
        }
    }

    public async Task<DetokenizeResult> DetokenizeAsync(DetokenizeRequest request)
    {
        try
        {
            return ServingTokenization.Detokenize(await frontends.GetAsync(request.Model), request);
        }
        finally
        {
            if (!Stateful) RetireSoon();
        }
    }

    public Task<SessionSnapshot> GetSnapshotAsync()
    {
        EnsureVisible();
        return Task.FromResult(new SessionSnapshot(
            this.GetPrimaryKeyString(), state.State.Model, state.State.Messages.ToArray(), state.State.PendingToolCallIds.ToArray()));
    }

    public async Task ClearAsync()
    {
        EnsureVisible();
        if (_busy) throw RequestRejection.SessionBusy("The session is answering a request; clear it afterwards.").ToException();
        await state.ClearStateAsync();
        state.State = new SessionState();
        _promptTokens.Clear();
    }

    /// <summary>A session that does not exist, or is another API key's, is answered as not found (see <see cref="SessionOwnership"/>).</summary>
    private void EnsureVisible()
    {
        if (!SessionOwnership.Visible(state.State, SessionOwner.Current)) throw RequestRejection.SessionNotFound(this.GetPrimaryKeyString()).ToException();
    }

    /// <summary>
    /// One request at a time per stateful session: streaming calls interleave in Orleans, so a second request
    /// while one runs is refused rather than allowed to fork the history.
    /// </summary>
    private TurnLease BeginTurn()
    {
        if (!Stateful) return new TurnLease(this, turns.Begin());
        if (!SessionOwnership.TryUse(state.State, SessionOwner.Current)) throw RequestRejection.SessionNotFound(this.GetPrimaryKeyString()).ToException();
        if (_busy) throw RequestRejection.SessionBusy($"Session '{this.GetPrimaryKeyString()}' is already answering a request; send the next one when it finishes.").ToException();
        _busy = true;
        return new TurnLease(this, turns.Begin());
    }

    private readonly struct TurnLease(SessionGrain grain, IDisposable turn) : IDisposable
    {
        public void Dispose()
        {
            turn.Dispose();
            if (grain.Stateful) grain._busy = false;
            else grain.RetireSoon();
        }
    }

    private ChatTurn PrepareChat(ModelFrontend model, ChatCompletionRequest request)
    {
        // A stateless grain has no next turn to remember a prompt for.
        var plan = ChatTurn.Prepare(model, request, Conversation(request), Stateful ? _promptTokens : null);
        if (plan.Prompt.ReusedTokenCount > 0)
            SessionMetrics.For(meters).PromptTokensReused.Add(plan.Prompt.ReusedTokenCount, new KeyValuePair<string, object?>("model", model.Name));
        return plan;
    }

    /// <summary>The stored history followed by the request's messages, after checking its tool results against the history.</summary>
    private IReadOnlyList<ChatMessage> Conversation(ChatCompletionRequest request)
    {
        if (!Stateful) return request.Messages;
        var s = state.State;
        if (s.Model is not null && s.Model != request.Model)
            throw RequestRejection.Invalid("model", $"Session '{this.GetPrimaryKeyString()}' talks to model '{s.Model}', not '{request.Model}'.").ToException();
        var pending = new HashSet<string>(s.PendingToolCallIds, StringComparer.Ordinal);
        var answered = new HashSet<string>(s.AnsweredToolCallIds, StringComparer.Ordinal);
        for (int i = 0; i < request.Messages.Length; i++)
        {
            var m = request.Messages[i];
            foreach (var call in m.ToolCalls ?? []) pending.Add(call.Id);
            if (m.Role != "tool" || m.ToolCallId is null) continue;
            string param = $"messages[{i}].tool_call_id";
            if (answered.Contains(m.ToolCallId))
                throw RequestRejection.Invalid(param, $"The tool call '{m.ToolCallId}' was already answered in this session.").ToException();
            if (!pending.Remove(m.ToolCallId))
                throw RequestRejection.Invalid(param, $"'{param}' is '{m.ToolCallId}', which answers no pending tool call of this session.").ToException();
            answered.Add(m.ToolCallId);
        }
        return [.. s.Messages, .. request.Messages];
    }

    /// <summary>Appends the request's messages and the reply (choice 0) to a stateful session and persists it.</summary>
    private async Task RecordAsync(ChatCompletionRequest request, ChatCompletionChoice reply)
    {
        if (!Stateful) return;
        var s = state.State;
        s.Model = request.Model;
        foreach (var m in request.Messages)
        {
            s.Messages.Add(m);
            foreach (var call in m.ToolCalls ?? []) s.PendingToolCallIds.Add(call.Id);
            if (m.Role == "tool" && m.ToolCallId is not null && s.PendingToolCallIds.Remove(m.ToolCallId)) s.AnsweredToolCallIds.Add(m.ToolCallId);
        }
        var calls = reply.Message.ToolCalls?.Select(c => new ChatToolCall(c.Id, c.Function.Name, c.Function.Arguments)).ToArray();
        s.Messages.Add(new ChatMessage { Role = "assistant", Content = reply.Message.Content, ToolCalls = calls, ReasoningContent = reply.Message.ReasoningContent });
        foreach (var call in calls ?? []) s.PendingToolCallIds.Add(call.Id);
        await state.WriteStateAsync();
    }
}
