using Cluster.Contracts.Models;
using Cluster.Contracts.OpenAI;
using Google.Protobuf;
using V1 = Cluster.Inference.V1;

namespace Cluster.Gateway.Grpc;

/// <summary>The session grain's OpenAI records as proto messages, field for field (absent stays absent).</summary>
internal static class ProtoMessages
{
    public static V1.ChatCompletionChunk Chunk(ChatCompletionChunk chunk)
    {
        var message = new V1.ChatCompletionChunk { Id = chunk.Id, Created = chunk.Created, Model = chunk.Model };
        if (chunk.SystemFingerprint is { } fingerprint) message.SystemFingerprint = fingerprint;
        if (chunk.Usage is { } usage) message.Usage = Usage(usage);
        if (chunk.PromptTokenIds is { } promptIds) message.PromptTokenIds.Add(promptIds);
        foreach (var choice in chunk.Choices) message.Choices.Add(Choice(choice));
        return message;
    }

    private static V1.ChunkChoice Choice(ChunkChoice choice)
    {
        var delta = new V1.ChatCompletionDelta();
        if (choice.Delta.Role is { } role) delta.Role = role;
        if (choice.Delta.Content is { } content) delta.Content = content;
        if (choice.Delta.ReasoningContent is { } reasoning) delta.ReasoningContent = reasoning;
        foreach (var call in choice.Delta.ToolCalls ?? [])
        {
            var d = new V1.ToolCallDelta { Index = call.Index };
            if (call.Id is { } id) d.Id = id;
            if (call.Type is { } type) d.Type = type;
            if (call.Function.Name is { } name) d.Name = name;
            if (call.Function.Arguments is { } arguments) d.Arguments = arguments;
            delta.ToolCalls.Add(d);
        }
        var message = new V1.ChunkChoice { Index = choice.Index, Delta = delta };
        if (choice.FinishReason is { } finish) message.FinishReason = finish;
        if (choice.TokenIds is { } ids) message.TokenIds.Add(ids);
        if (choice.Logprobs is { } logprobs) message.Logprobs = Logprobs(logprobs);
        if (choice.ToolParse is { } report)
        {
            message.ToolParse = new V1.ToolParseReport { Parser_ = report.Parser, Status = report.Status };
            foreach (var error in report.Errors) message.ToolParse.Errors.Add(new V1.ToolParseError { Code = error.Code, Message = error.Message });
        }
        return message;
    }

    private static V1.ChoiceLogprobs Logprobs(ChoiceLogprobs logprobs)
    {
        var message = new V1.ChoiceLogprobs();
        foreach (var token in logprobs.Content)
        {
            var entry = new V1.TokenLogprob { Token = token.Token, Logprob = token.Logprob, Bytes = Bytes(token.Bytes) };
            foreach (var top in token.TopLogprobs) entry.TopLogprobs.Add(new V1.TopLogprob { Token = top.Token, Logprob = top.Logprob, Bytes = Bytes(top.Bytes) });
            message.Content.Add(entry);
        }
        return message;
    }

    private static ByteString Bytes(int[] bytes) => ByteString.CopyFrom(Array.ConvertAll(bytes, b => (byte)b));

    public static V1.Completion Completion(Completion completion)
    {
        var message = new V1.Completion { Id = completion.Id, Created = completion.Created, Model = completion.Model };
        if (completion.Usage is { } usage) message.Usage = Usage(usage);
        foreach (var choice in completion.Choices)
        {
            var c = new V1.CompletionChoice { Index = choice.Index, Text = choice.Text };
            if (choice.FinishReason is { } finish) c.FinishReason = finish;
            if (choice.PromptTokenIds is { } promptIds) c.PromptTokenIds.Add(promptIds);
            if (choice.TokenIds is { } ids) c.TokenIds.Add(ids);
            if (choice.Logprobs is { } logprobs)
            {
                c.Logprobs = new V1.CompletionLogprobs();
                c.Logprobs.Tokens.Add(logprobs.Tokens);
                foreach (float l in logprobs.TokenLogprobs) c.Logprobs.TokenLogprobs.Add(l);
                foreach (var top in logprobs.TopLogprobs)
                {
                    var entry = new V1.TopLogprobsEntry();
                    foreach (var (token, l) in top) entry.Logprobs[token] = l;
                    c.Logprobs.TopLogprobs.Add(entry);
                }
                c.Logprobs.TextOffset.Add(logprobs.TextOffset);
            }
            message.Choices.Add(c);
        }
        return message;
    }

    /// <summary>A completions chunk of a single token-id prompt as a <c>Generate</c> response: ids and log-probabilities only.</summary>
    public static V1.GenerateResponse Generated(Completion completion)
    {
        var message = new V1.GenerateResponse();
        if (completion.Usage is { } usage) message.Usage = Usage(usage);
        foreach (var choice in completion.Choices)
        {
            if (choice.TokenIds is { } ids) message.TokenIds.Add(ids);
            if (choice.PromptTokenIds is { } promptIds) message.PromptTokenIds.Add(promptIds);
            if (choice.Logprobs is { } logprobs) foreach (float l in logprobs.TokenLogprobs) message.Logprobs.Add(l);
            if (choice.FinishReason is { } finish) message.FinishReason = finish;
        }
        return message;
    }

    public static V1.TokenizeResponse Tokenized(Contracts.Sessions.TokenizeResult result)
    {
        var message = new V1.TokenizeResponse { Count = result.Count, MaxModelLen = result.MaxModelLength };
        message.Tokens.Add(result.Tokens);
        if (result.TokenStrs is { } strs) message.TokenStrs.Add(strs.Select(s => s ?? ""));
        return message;
    }

    private static V1.Usage Usage(CompletionUsage usage)
    {
        var message = new V1.Usage { PromptTokens = usage.PromptTokens, CompletionTokens = usage.CompletionTokens, TotalTokens = usage.TotalTokens };
        if (usage.PromptTokensDetails is { } details) message.PromptTokensDetails = new V1.PromptTokensDetails { CachedTokens = details.CachedTokens };
        return message;
    }

    /// <summary>The REST model object (see <c>ModelsApi</c>) of a model's live replicas.</summary>
    public static V1.Model Model(IEnumerable<ReplicaStatus> replicas)
    {
        var all = replicas.ToArray();
        var message = new V1.Model
        {
            Id = all[0].Replica.Model,
            Created = all.Min(r => r.Replica.Created),
            OwnedBy = "cluster",
            MaxModelLen = all.Min(r => r.Replica.MaxModelLength),
        };
        foreach (var r in all)
            message.Replicas.Add(new V1.Replica
            {
                Id = r.Replica.Label,
                Device = r.Replica.Device,
                Silo = r.Replica.Silo,
                Running = r.Load?.Running ?? 0,
                Waiting = r.Load?.Waiting ?? 0,
                KvCacheUsage = r.Load is { CacheBlocks: > 0 } l ? (double)l.UsedCacheBlocks / l.CacheBlocks : 0,
                Draining = r.Draining,
            });
        return message;
    }
}
