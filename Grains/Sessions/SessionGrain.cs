using System.Runtime.CompilerServices;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Contracts.Sessions;
using Cluster.Engine.Tokenization;
using Cluster.Grains.Hosting;

namespace Cluster.Grains.Sessions;

/// <summary>
/// A conversation: renders the prompt, runs generation on the device's model grain, and turns its tokens into
/// OpenAI chunks. Everything model-specific (template, tokenizer, stop rules) happens here, so the gateway
/// only forwards finished chunks.
/// </summary>
public sealed class SessionGrain(ModelHost host) : Grain, ISessionGrain
{
    public async IAsyncEnumerable<ChatCompletionChunk> StreamChatCompletionAsync(ChatCompletionRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var model = host.Get(request.Model);
        var prompt = ChatPrompt.Build(model, request);
        string id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        long created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        ChatCompletionChunk Chunk(ChatCompletionDelta delta, string? finish = null) => new()
        {
            Id = id,
            Created = created,
            Model = model.Name,
            Choices = [new ChunkChoice { Index = 0, Delta = delta, FinishReason = finish }],
        };

        yield return Chunk(new ChatCompletionDelta { Role = "assistant", Content = "" });

        var output = new ChoiceOutput(model.Folder.Tokenizer, request.Stop);
        var generation = new TokenGenerationRequest
        {
            PromptTokenIds = prompt.TokenIds,
            Sampling = request.Sampling,
            MaxTokens = request.MaxTokens ?? model.Engine.MaxSequenceLength - prompt.TokenIds.Length,
            StopTokenIds = request.IgnoreEos ? [] : prompt.StopTokenIds,
        };
        var modelGrain = GrainFactory.GetGrain<IModelGrain>(ModelGrainKey.For(model.Name, model.Options.Device));
        string? finishReason = null;
        await foreach (var token in modelGrain.GenerateAsync(generation, cancellationToken).WithCancellation(cancellationToken))
        {
            if (token.FinishReason == GenerationFinishReason.Error)
                throw new InvalidOperationException("the model failed while generating this response");
            // The end-of-sequence token ends the text; it is not part of it.
            bool isStopToken = token.FinishReason == GenerationFinishReason.Stop;
            string text = token.TokenId >= 0 && !isStopToken ? output.Append(token.TokenId) : "";
            if (text.Length > 0) yield return Chunk(new ChatCompletionDelta { Content = text });
            if (output.Stopped) { finishReason = "stop"; break; }
            if (token.FinishReason is GenerationFinishReason reason)
            {
                finishReason = reason == GenerationFinishReason.Length ? "length" : "stop";
                break;
            }
        }
        string rest = output.Flush();
        if (rest.Length > 0) yield return Chunk(new ChatCompletionDelta { Content = rest });
        yield return Chunk(new ChatCompletionDelta(), finishReason ?? "stop");
        if (request.IncludeUsage)
        {
            yield return new ChatCompletionChunk
            {
                Id = id,
                Created = created,
                Model = model.Name,
                Choices = [],
                Usage = new CompletionUsage(prompt.TokenIds.Length, output.TokenCount, prompt.TokenIds.Length + output.TokenCount),
            };
        }
    }

    public async Task<ChatCompletion> CreateChatCompletionAsync(ChatCompletionRequest request, CancellationToken cancellationToken = default)
    {
        var content = new System.Text.StringBuilder();
        string finish = "stop";
        ChatCompletionChunk? first = null;
        CompletionUsage? usage = null;
        await foreach (var chunk in StreamChatCompletionAsync(request with { IncludeUsage = true }, cancellationToken))
        {
            first ??= chunk;
            if (chunk.Usage is not null) usage = chunk.Usage;
            foreach (var choice in chunk.Choices)
            {
                content.Append(choice.Delta.Content);
                if (choice.FinishReason is not null) finish = choice.FinishReason;
            }
        }
        return new ChatCompletion
        {
            Id = first!.Id,
            Created = first.Created,
            Model = first.Model,
            Choices = [new ChatCompletionChoice { Index = 0, Message = new AssistantMessage { Content = content.ToString() }, FinishReason = finish }],
            Usage = usage!,
        };
    }
}
