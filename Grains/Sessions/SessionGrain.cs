using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Grains.Hosting;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// A conversation: renders the prompt, runs generation on the device's model grain, and turns its tokens into
/// OpenAI chunks (text, reasoning and tool-call deltas from the incremental parsers). Everything model-specific
/// happens here, so the gateway only forwards finished chunks.
/// </summary>
public sealed class SessionGrain(ModelHost host) : Grain, ISessionGrain
{
    public async IAsyncEnumerable<ChatCompletionChunk> StreamChatCompletionAsync(ChatCompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = host.Get(request.Model);
        var plan = ChatTurn.Prepare(model, request, request.Messages);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        ChatCompletionChunk Chunk(params ChunkChoice[] choices) => new() { Id = id, Created = created, Model = model.Name, Choices = choices };

        var first = Chunk(Enumerable.Range(0, request.N).Select(i => new ChunkChoice { Index = i, Delta = new ChatCompletionDelta { Role = "assistant", Content = "" } }).ToArray());
        yield return request.ReturnTokenIds ? first with { PromptTokenIds = plan.Prompt.TokenIds } : first;

        var outputs = Channel.CreateUnbounded<ChunkChoice>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var modelGrain = GrainFactory.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Options.Device));
        var choices = plan.CreateChoices();
        var runs = choices.Select(c => RunChoiceAsync(c, plan, modelGrain, outputs.Writer, stop.Token)).ToArray();
        _ = Task.WhenAll(runs).ContinueWith(t => outputs.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Current);

        try
        {
            await foreach (var choice in outputs.Reader.ReadAllAsync(cancellationToken))
                yield return Chunk(choice);
        }
        finally
        {
            stop.Cancel();
        }

        if (request.IncludeUsage)
        {
            int completion = choices.Sum(c => c.TokenCount);
            yield return Chunk() with { Usage = new CompletionUsage(plan.Prompt.TokenIds.Length, completion, plan.Prompt.TokenIds.Length + completion) };
        }
    }

    /// <summary>Generates one choice and writes its chunk choices; the finish reason comes last.</summary>
    private static async Task RunChoiceAsync(ChoiceStream choice, ChatTurn plan, IModelGrain modelGrain, ChannelWriter<ChunkChoice> output, CancellationToken cancellationToken)
    {
        string? finish = null;
        await foreach (var token in modelGrain.GenerateAsync(plan.GenerationFor(choice.Index), cancellationToken).WithCancellation(cancellationToken))
        {
            if (token.FinishReason == GenerationFinishReason.Error)
                throw new InvalidOperationException("The model failed while generating this response.");
            bool isStopToken = token.FinishReason == GenerationFinishReason.Stop;
            foreach (var c in choice.Append(token, isStopToken)) output.TryWrite(c);
            if (choice.Stopped) { finish = "stop"; break; }
            if (token.FinishReason is GenerationFinishReason reason)
            {
                finish = reason == GenerationFinishReason.Length ? "length" : "stop";
                break;
            }
        }
        foreach (var c in choice.Finish()) output.TryWrite(c);
        output.TryWrite(choice.Final(plan.FinishReason(choice, finish ?? "stop")));
    }

    public async Task<ChatCompletion> CreateChatCompletionAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default)
    {
        var model = host.Get(request.Model);
        var plan = ChatTurn.Prepare(model, request, request.Messages);
        var modelGrain = GrainFactory.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Options.Device));
        var choices = plan.CreateChoices();
        var finishes = await Task.WhenAll(choices.Select(async c =>
        {
            string? finish = null;
            await foreach (var token in modelGrain.GenerateAsync(plan.GenerationFor(c.Index), cancellationToken).WithCancellation(cancellationToken))
            {
                if (token.FinishReason == GenerationFinishReason.Error)
                    throw new InvalidOperationException("The model failed while generating this response.");
                c.Append(token, token.FinishReason == GenerationFinishReason.Stop);
                if (c.Stopped) { finish = "stop"; break; }
                if (token.FinishReason is GenerationFinishReason reason) { finish = reason == GenerationFinishReason.Length ? "length" : "stop"; break; }
            }
            c.Finish();
            return plan.FinishReason(c, finish ?? "stop");
        }));
        int completion = choices.Sum(c => c.TokenCount);
        return new ChatCompletion
        {
            Id = "chatcmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = model.Name,
            Choices = choices.Select((c, i) => c.Complete(finishes[i])).ToArray(),
            Usage = new CompletionUsage(plan.Prompt.TokenIds.Length, completion, plan.Prompt.TokenIds.Length + completion),
            PromptTokenIds = request.ReturnTokenIds ? plan.Prompt.TokenIds : null,
        };
    }

    public async IAsyncEnumerable<Completion> StreamCompletionAsync(CompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = host.Get(request.Model);
        var turn = CompletionTurn.Prepare(model, request);
        string id = "cmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var modelGrain = GrainFactory.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Options.Device));
        await foreach (var piece in turn.RunAsync(modelGrain, cancellationToken))
            yield return new Completion { Id = id, Created = created, Model = model.Name, Choices = [piece] };
        if (request.IncludeUsage)
            yield return new Completion { Id = id, Created = created, Model = model.Name, Choices = [], Usage = new CompletionUsage(turn.PromptTokens, turn.CompletionTokens, turn.PromptTokens + turn.CompletionTokens) };
    }

    public async Task<Completion> CreateCompletionAsync(CompletionRequest request, CancellationToken cancellationToken = default)
    {
        var model = host.Get(request.Model);
        var turn = CompletionTurn.Prepare(model, request);
        var modelGrain = GrainFactory.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Options.Device));
        var pieces = new List<CompletionChoice>();
        await foreach (var piece in turn.RunAsync(modelGrain, cancellationToken)) pieces.Add(piece);
        return new Completion
        {
            Id = "cmpl-" + Guid.NewGuid().ToString("N"),
            Created = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            Model = model.Name,
            Choices = CompletionTurn.Merge(pieces),
            Usage = new CompletionUsage(turn.PromptTokens, turn.CompletionTokens, turn.PromptTokens + turn.CompletionTokens),
        };
    }
}
