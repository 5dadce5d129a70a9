using System.Text;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Engine.Tokenization;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// One choice's output path, token by token: incremental detokenization (never a split UTF-8 character), the
/// request's <c>stop</c> strings, then the reasoning and tool-call parsers, whose events become OpenAI deltas.
/// It also keeps what the non-streaming response needs. Work per token is proportional to that token's text.
/// </summary>
internal sealed class ChoiceStream
{
    private readonly HfTokenizer _tokenizer;
    private readonly OutputText _text;
    private readonly IToolCallParser? _parser;
    private readonly string? _parserName;
    private readonly int _maxToolCalls;
    private readonly bool _logprobs;
    private readonly List<ParserEvent> _events = [];
    private readonly List<ParserEvent> _allEvents = [];
    private readonly List<TokenLogprobInfo> _pendingLogprobs = [];
    private readonly List<TokenLogprobInfo> _allLogprobs = [];
    private readonly List<int> _pendingTokenIds = [];
    private readonly HashSet<int> _droppedCalls = [];
    private readonly StringBuilder _plainContent = new();
    // Reused for every token: the per-token path allocates only the strings it emits.
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();

    private readonly IReadOnlySet<int> _stopTokenIds;

    public ChoiceStream(int index, HfTokenizer tokenizer, ChatCompletionRequest request, IToolCallParser? parser, string? parserName, IReadOnlySet<int> stopTokenIds)
    {
        _stopTokenIds = stopTokenIds;
        Index = index;
        _tokenizer = tokenizer;
        _parser = parser;
        _parserName = parserName;
        // Special tokens can be tool-call markers ([TOOL_CALLS], <|python_tag|>): a parser must see them.
        _text = new OutputText(tokenizer, request.Stop, skipSpecialTokens: parser is null && request.SkipSpecialTokens);
        // tool_choice "none" can still need a parser (gpt-oss's channels carry the reasoning); its calls are dropped.
        _maxToolCalls = request.ToolChoice == "none" ? 0 : request.ParallelToolCalls ? int.MaxValue : 1;
        _logprobs = request.Logprobs;
        ReturnTokenIds = request.ReturnTokenIds;
    }

    public int Index { get; }

    public bool ReturnTokenIds { get; }

    public int TokenCount { get; private set; }

    public List<int> TokenIds { get; } = [];

    public bool Stopped => _text.Stopped;

    public bool CalledTools { get; private set; }

    /// <summary>Consumes one generated token (a stop token ending the sequence is counted but contributes no text).</summary>
    public List<ChunkChoice> Append(GeneratedTokenEvent token)
    {
        bool isStopToken = token.FinishReason == GenerationFinishReason.Stop && _stopTokenIds.Contains(token.TokenId);
        if (token.TokenId >= 0)
        {
            TokenCount++;
            TokenIds.Add(token.TokenId);
            _pendingTokenIds.Add(token.TokenId);
            if (_logprobs && token.Logprob is float logprob) _pendingLogprobs.Add(Describe(token.TokenId, logprob, token.TopLogprobs));
        }
        string text = token.TokenId >= 0 && !isStopToken ? _text.Append(token.TokenId) : "";
        return Emit(text, finish: false);
    }

    /// <summary>Flushes held-back text and ends the parser.</summary>
    public List<ChunkChoice> Finish()
    {
        return Emit(_text.Flush(), finish: true);
    }

    private List<ChunkChoice> Emit(string text, bool finish)
    {
        _events.Clear();
        if (_parser is null)
        {
            if (text.Length > 0) _events.Add(new ContentDelta(text));
        }
        else
        {
            if (text.Length > 0) _parser.Feed(text, _events);
            if (finish) _parser.Finish(_events);
        }
        _allEvents.AddRange(_events);

        var choices = new List<ChunkChoice>();
        var content = _content.Clear();
        var reasoning = _reasoning.Clear();
        void FlushText()
        {
            if (content.Length == 0 && reasoning.Length == 0) return;
            choices.Add(Choice(new ChatCompletionDelta
            {
                Content = content.Length > 0 ? content.ToString() : null,
                ReasoningContent = reasoning.Length > 0 ? reasoning.ToString() : null,
            }));
            content.Clear();
            reasoning.Clear();
        }
        foreach (var e in _events)
        {
            switch (e)
            {
                case ContentDelta c:
                    content.Append(c.Text);
                    _plainContent.Append(c.Text);
                    break;
                case ReasoningDelta r:
                    reasoning.Append(r.Text);
                    break;
                case ToolCallStarted s when s.Index >= _maxToolCalls:
                    _droppedCalls.Add(s.Index);
                    break;
                case ToolCallStarted s:
                    FlushText();
                    CalledTools = true;
                    choices.Add(Choice(new ChatCompletionDelta
                    {
                        ToolCalls = [new ToolCallDelta { Index = s.Index, Id = s.Id, Type = "function", Function = new FunctionCallDelta { Name = s.Name, Arguments = "" } }],
                    }));
                    break;
                case ParseIssue { Grade: ParseStatus.Failed, ToolCallIndex: int voided }:
                    // An announced call turned out malformed: it is void, and its raw text arrives later as content.
                    _droppedCalls.Add(voided);
                    break;
                case ToolCallArgumentsDelta a when !_droppedCalls.Contains(a.Index):
                    FlushText();
                    if (choices.Count > 0 && choices[^1].Delta.ToolCalls is [var last] && last.Index == a.Index && last.Id is null)
                        choices[^1] = Choice(new ChatCompletionDelta { ToolCalls = [last with { Function = new FunctionCallDelta { Arguments = last.Function.Arguments + a.Fragment } }] });
                    else
                        choices.Add(Choice(new ChatCompletionDelta { ToolCalls = [new ToolCallDelta { Index = a.Index, Function = new FunctionCallDelta { Arguments = a.Fragment } }] }));
                    break;
            }
        }
        FlushText();
        // Logprobs and token ids ride on the next chunk that carries text, so each token's are sent once.
        if (choices.Count > 0 && (_pendingLogprobs.Count > 0 || (ReturnTokenIds && _pendingTokenIds.Count > 0)))
        {
            choices[0] = choices[0] with
            {
                Logprobs = _pendingLogprobs.Count > 0 ? new ChoiceLogprobs(_pendingLogprobs.ToArray()) : null,
                TokenIds = ReturnTokenIds ? _pendingTokenIds.ToArray() : null,
            };
            _allLogprobs.AddRange(_pendingLogprobs);
            _pendingLogprobs.Clear();
            _pendingTokenIds.Clear();
        }
        return choices;
    }

    /// <summary>The chunk choice that ends this choice, carrying what no text chunk took.</summary>
    public ChunkChoice Final(string finishReason) => Choice(new ChatCompletionDelta()) with
    {
        FinishReason = finishReason,
        Logprobs = _pendingLogprobs.Count > 0 ? new ChoiceLogprobs(_pendingLogprobs.ToArray()) : null,
        TokenIds = ReturnTokenIds && _pendingTokenIds.Count > 0 ? _pendingTokenIds.ToArray() : null,
        ToolParse = Report(),
    };

    /// <summary>The whole choice, for the non-streaming response.</summary>
    public ChatCompletionChoice Complete(string finishReason)
    {
        var result = _parser is null ? null : ToolCallResultBuilder.Build(_allEvents);
        var calls = result?.ToolCalls.Take(_maxToolCalls).Select(c => new AssistantToolCall { Id = c.Id, Function = new FunctionCall(c.Name, c.Arguments) }).ToArray();
        string? content = result is null ? _plainContent.ToString() : result.Content;
        if (calls is { Length: > 0 } && string.IsNullOrEmpty(content)) content = null;
        _allLogprobs.AddRange(_pendingLogprobs);
        _pendingLogprobs.Clear();
        return new ChatCompletionChoice
        {
            Index = Index,
            Message = new AssistantMessage
            {
                Content = content ?? (calls is { Length: > 0 } ? null : ""),
                ReasoningContent = string.IsNullOrEmpty(result?.Reasoning) ? null : result.Reasoning,
                ToolCalls = calls is { Length: > 0 } ? calls : null,
            },
            FinishReason = finishReason,
            Logprobs = _logprobs ? new ChoiceLogprobs(_allLogprobs.ToArray()) : null,
            TokenIds = ReturnTokenIds ? TokenIds.ToArray() : null,
            ToolParse = Report(),
        };
    }

    private ToolParseReport? Report()
    {
        if (_parserName is null) return null;
        var status = ParseStatus.Ok;
        var errors = new List<ToolParseError>();
        foreach (var e in _allEvents)
        {
            if (e is not ParseIssue issue) continue;
            if (issue.Grade > status) status = issue.Grade;
            errors.Add(new ToolParseError(issue.Error.Code, issue.Error.Message));
        }
        return new ToolParseReport(_parserName, status.ToString().ToLowerInvariant(), errors.ToArray());
    }

    private ChunkChoice Choice(ChatCompletionDelta delta) => new() { Index = Index, Delta = delta };

    private TokenLogprobInfo Describe(int tokenId, float logprob, TokenLogprobEvent[]? top)
    {
        var bytes = _tokenizer.GetTokenBytes(tokenId);
        return new TokenLogprobInfo(Encoding.UTF8.GetString(bytes), logprob, bytes.Select(b => (int)b).ToArray(),
            (top ?? []).Select(t =>
            {
                var b = _tokenizer.GetTokenBytes(t.TokenId);
                return new TopLogprob(Encoding.UTF8.GetString(b), t.Logprob, b.Select(x => (int)x).ToArray());
            }).ToArray());
    }
}
