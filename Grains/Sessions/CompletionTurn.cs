using Cluster.Contracts.Requests;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Grains.Hosting;
using Cluster.Grains.Routing;

namespace Cluster.Grains.Sessions;

/// <summary>
/// <c>/v1/completions</c>: raw prompts (text or token ids, possibly a batch), <c>n</c> choices each, plain
/// text out (no template, no parsers). Choice <c>i</c> of prompt <c>p</c> has index <c>p * n + i</c>, as OpenAI numbers them.
/// </summary>
internal sealed class CompletionTurn
{
    private readonly ModelFrontend _model;
    private readonly CompletionRequest _request;
    private readonly int[][] _prompts;

    private readonly PromptCacheTally _promptCache;

    private CompletionTurn(ModelFrontend model, CompletionRequest request, int[][] prompts)
    {
        _model = model;
        _request = request;
        _prompts = prompts;
        _promptCache = new PromptCacheTally(prompts.Length);
    }

    public static CompletionTurn Prepare(ModelFrontend model, CompletionRequest request)
    {
        var tokenizer = model.Folder.Tokenizer;
        var prompts = new int[request.Prompts.Length][];
        for (int p = 0; p < prompts.Length; p++)
        {
            var prompt = request.Prompts[p];
            var ids = prompt.TokenIds ?? Tokenize(model, prompt.Text ?? "");
            string param = request.Prompts.Length == 1 ? "prompt" : $"prompt[{p}]";
            if (ids.Length == 0) throw RequestRejection.Invalid(param, "The prompt is empty.").ToException();
            foreach (int id in ids)
                if (id < 0 || id >= model.Folder.Config.VocabSize)
                    throw RequestRejection.Invalid(param, $"Token id {id} is out of range for this model's vocabulary of {model.Folder.Config.VocabSize}.").ToException();
            // Compared as a difference: max_tokens near int.MaxValue must not wrap the sum around.
            if (request.MaxTokens > model.MaxModelLength - ids.Length)
                throw RequestRejection.Invalid(request.MaxTokens >= model.MaxModelLength ? "max_tokens" : param,
                    $"This model's maximum context length is {model.MaxModelLength} tokens; the prompt takes {ids.Length} and max_tokens asks for {request.MaxTokens}.").ToException();
            prompts[p] = ids;
        }
        if (request.OutputConstraint is { } constraint) Constraints.ConstraintGrammar.Compile(model, constraint);
        SamplingRules.Check(model, request.Sampling);
        return new CompletionTurn(model, request, prompts);
    }

    /// <summary>Text prompts get the tokenizer's BOS when its config adds one, as Hugging Face's encode does
    /// (unless <paramref name="addSpecialTokens"/> is false, as <c>add_special_tokens=False</c> there).</summary>
    internal static int[] Tokenize(ModelFrontend model, string text, bool addSpecialTokens = true)
    {
        var tokenizer = model.Folder.Tokenizer;
        var ids = tokenizer.Encode(text, allowSpecialTokens: true);
        if (addSpecialTokens && tokenizer.AddBosToken && tokenizer.BosTokenId is int bos && (ids.Count == 0 || ids[0] != bos))
            return [bos, .. ids];
        return ids.ToArray();
    }

    private int PromptTokens => _prompts.Sum(p => p.Length);

    /// <summary>The usage once every choice has finished.</summary>
    public CompletionUsage Usage => _promptCache.Usage(PromptTokens, _completionTokens);

    private int ChoiceCount => _prompts.Length * _request.N;

    private TokenGenerationRequest GenerationFor(int index)
    {
        int prompt = index / _request.N, choice = index % _request.N;
        var stop = new HashSet<int>(_request.IgnoreEos ? [] : ChatPrompt.EndOfSequenceIds(_model));
        stop.UnionWith(_request.StopTokenIds);
        return new TokenGenerationRequest
        {
            PromptTokenIds = _prompts[prompt],
            Sampling = _request.Sampling with
            {
                Seed = _request.Sampling.Seed is ulong seed ? seed + (ulong)choice : null,
                Logprobs = _request.Logprobs,
            },
            MaxTokens = _request.MaxTokens,
            MinTokens = _request.MinTokens,
            StopTokenIds = stop.ToArray(),
            Constraint = _request.OutputConstraint,
        };
    }

    /// <summary>Streams every choice's pieces as they come; the last piece of a choice carries its finish reason.</summary>
    public async IAsyncEnumerable<CompletionChoice> RunAsync(ModelRoute route, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var output = Channel.CreateUnbounded<CompletionChoice>(new UnboundedChannelOptions { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var runs = Enumerable.Range(0, ChoiceCount).Select(i => RunChoiceAsync(i, route, output.Writer, stop.Token)).ToArray();
        _ = Task.WhenAll(runs).ContinueWith(t => output.Writer.TryComplete(t.Exception?.InnerException), TaskScheduler.Current);
        try
        {
            await foreach (var piece in output.Reader.ReadAllAsync(cancellationToken)) yield return piece;
        }
        finally
        {
            stop.Cancel();
        }
    }

    private int _completionTokens;

    private async Task RunChoiceAsync(int index, ModelRoute route, ChannelWriter<CompletionChoice> output, CancellationToken cancellationToken)
    {
        var text = new OutputText(_model.Folder.Tokenizer, _request.Stop, _request.SkipSpecialTokens);
        var logprobs = _request.Logprobs is null ? null : new CompletionLogprobsBuilder(_model.Folder.Tokenizer);
        var ids = new List<int>();
        bool first = true;
        bool tokenSent = false;
        string? finish = null;
        int emitted = 0;
        CompletionChoice Piece(string s, string? reason = null)
        {
            var piece = new CompletionChoice
            {
                Index = index,
                Text = s,
                FinishReason = reason,
                Logprobs = logprobs?.Take(emitted),
                PromptTokenIds = _request.ReturnTokenIds && first ? _prompts[index / _request.N] : null,
                TokenIds = _request.ReturnTokenIds ? ids.ToArray() : null,
            };
            emitted += s.Length;
            first = false;
            ids.Clear();
            return piece;
        }
        var generation = GenerationFor(index);
        var stopTokenIds = generation.StopTokenIds.ToHashSet();
        await foreach (var token in route.GenerateAsync(generation, cancellationToken).WithCancellation(cancellationToken))
        {
            if (token.FinishReason == GenerationFinishReason.Error)
                throw new InvalidOperationException("The model failed while generating this response.");
            _promptCache.Observe(index / _request.N, index % _request.N, token);
            if (token.TokenId >= 0)
            {
                lock (this) _completionTokens++;
                ids.Add(token.TokenId);
                logprobs?.Add(token);
            }
            bool isStopToken = token.FinishReason == GenerationFinishReason.Stop && stopTokenIds.Contains(token.TokenId);
            string delta = token.TokenId >= 0 && !isStopToken ? text.Append(token.TokenId) : "";
            // A token with no text of its own (a partial UTF-8 character, a skipped special token, text a stop string
            // holds back) still gets a piece when the client asked for its id or logprob, and so does a choice's first
            // token, so that time to first token is measured at the token. The last token rides on the final piece.
            bool textless = delta.Length == 0 && token.TokenId >= 0 && token.FinishReason is null && !text.Stopped;
            if (delta.Length > 0 || textless && (_request.ReturnTokenIds || logprobs is not null || !tokenSent)) output.TryWrite(Piece(delta));
            if (token.TokenId >= 0) tokenSent = true;
            if (text.Stopped) { finish = "stop"; break; }
            if (token.FinishReason is GenerationFinishReason reason) { finish = reason.ToOpenAI(); break; }
        }
        output.TryWrite(Piece(text.Flush(), finish ?? "stop"));
    }

    /// <summary>Folds the streamed pieces into one response.</summary>
    public static CompletionChoice[] Merge(IEnumerable<CompletionChoice> pieces)
    {
        var byIndex = new SortedDictionary<int, (StringBuilder Text, CompletionChoice Last, List<int> Ids, int[]? Prompt, List<CompletionLogprobs> Logprobs)>();
        foreach (var p in pieces)
        {
            if (!byIndex.TryGetValue(p.Index, out var entry)) entry = (new StringBuilder(), p, [], p.PromptTokenIds, []);
            entry.Text.Append(p.Text);
            if (p.TokenIds is not null) entry.Ids.AddRange(p.TokenIds);
            if (p.Logprobs is not null) entry.Logprobs.Add(p.Logprobs);
            byIndex[p.Index] = entry with { Last = p, Prompt = entry.Prompt ?? p.PromptTokenIds };
        }
        return byIndex.Select(kv => new CompletionChoice
        {
            Index = kv.Key,
            Text = kv.Value.Text.ToString(),
            FinishReason = kv.Value.Last.FinishReason,
            Logprobs = kv.Value.Logprobs.Count == 0 ? null : CompletionLogprobsBuilder.Concat(kv.Value.Logprobs),
            PromptTokenIds = kv.Value.Prompt,
            TokenIds = kv.Value.Last.TokenIds is null ? null : kv.Value.Ids.ToArray(),
        }).ToArray();
    }
}
