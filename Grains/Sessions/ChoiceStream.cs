using System.Diagnostics;
using System.Text;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Engine.Tokenization;
using Cluster.Grains.Telemetry;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// One choice's output path, token by token: incremental detokenization (never a split UTF-8 character), the
/// request's <c>stop</c> strings, then the reasoning and tool-call parsers, whose events become OpenAI deltas.
/// The non-streaming response is the fold of exactly those deltas (<see cref="Complete"/>), so a streamed reply and
/// a non-streamed one of the same generation cannot differ. Work per token is proportional to that token's text.
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
    private readonly List<TokenLogprobInfo> _pendingLogprobs = [];
    private readonly List<int> _pendingTokenIds = [];
    private readonly List<ToolParseError> _parseErrors = [];
    private ParseStatus _parseStatus = ParseStatus.Ok;
    // Reused for every token: the per-token path allocates only the strings it emits.
    private readonly StringBuilder _content = new();
    private readonly StringBuilder _reasoning = new();
    // Everything this choice has streamed, folded as a client folds it; the non-streaming choice is built from it.
    private readonly StreamedChoice _sent;
    private ChunkChoice? _final;

    private readonly IReadOnlySet<int> _stopTokenIds;

    // The choice's output path as telemetry sees it: when its first token arrived and the time spent turning tokens
    // into deltas (two clock reads per token, no allocation).
    private readonly string _model;
    private DateTime? _firstTokenAt;
    private bool _firstChunkSent;
    private long _busyTicks;

    public ChoiceStream(int index, HfTokenizer tokenizer, ChatCompletionRequest request, IToolCallParser? parser, string? parserName, IReadOnlySet<int> stopTokenIds)
    {
        _stopTokenIds = stopTokenIds;
        _model = request.Model;
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
        _sent = new StreamedChoice(index);
    }

    public int Index { get; }

    public bool ReturnTokenIds { get; }

    public int TokenCount { get; private set; }

    public List<int> TokenIds { get; } = [];

    public bool Stopped => _text.Stopped;

    /// <summary>True once a tool call's first delta (id and name) was emitted; such a call is never retracted.</summary>
    public bool CalledTools { get; private set; }

    /// <summary>Consumes one generated token (a stop token ending the sequence is counted but contributes no text).</summary>
    public List<ChunkChoice> Append(GeneratedTokenEvent token)
    {
        _firstTokenAt ??= DateTime.UtcNow;
        long started = Stopwatch.GetTimestamp();
        try
        {
            return AppendToken(token);
        }
        finally
        {
            _busyTicks += Stopwatch.GetTimestamp() - started;
        }
    }

    private List<ChunkChoice> AppendToken(GeneratedTokenEvent token)
    {
        bool isStopToken = token.FinishReason == GenerationFinishReason.Stop && _stopTokenIds.Contains(token.TokenId);
        if (token.TokenId >= 0)
        {
            TokenCount++;
            TokenIds.Add(token.TokenId);
            if (ReturnTokenIds) _pendingTokenIds.Add(token.TokenId);
            if (_logprobs && token.Logprob is float logprob) _pendingLogprobs.Add(Describe(token.TokenId, logprob, token.TopLogprobs));
        }
        string text = token.TokenId >= 0 && !isStopToken ? _text.Append(token.TokenId) : "";
        return Emit(text, finish: false);
    }

    /// <summary>Flushes held-back text and ends the parser.</summary>
    public List<ChunkChoice> Finish()
    {
        long started = Stopwatch.GetTimestamp();
        var choices = Emit(_text.Flush(), finish: true);
        _busyTicks += Stopwatch.GetTimestamp() - started;
        return choices;
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
                    break;
                case ReasoningDelta r:
                    reasoning.Append(r.Text);
                    break;
                case ToolCallStarted s when s.Index < _maxToolCalls:
                    FlushText();
                    CalledTools = true;
                    choices.Add(Choice(new ChatCompletionDelta
                    {
                        ToolCalls = [new ToolCallDelta { Index = s.Index, Id = s.Id, Type = "function", Function = new FunctionCallDelta { Name = s.Name, Arguments = "" } }],
                    }));
                    break;
                case ToolCallArgumentsDelta a when a.Index < _maxToolCalls:
                    FlushText();
                    if (choices.Count > 0 && choices[^1].Delta.ToolCalls is [var last] && last.Index == a.Index && last.Id is null)
                        choices[^1] = Choice(new ChatCompletionDelta { ToolCalls = [last with { Function = new FunctionCallDelta { Arguments = last.Function.Arguments + a.Fragment } }] });
                    else
                        choices.Add(Choice(new ChatCompletionDelta { ToolCalls = [new ToolCallDelta { Index = a.Index, Function = new FunctionCallDelta { Arguments = a.Fragment } }] }));
                    break;
                case ParseIssue issue:
                    // A call that failed after it was streamed stays a call (the parser never retracts one and drops its
                    // raw text); the failure is only reported, in tool_parse on the final chunk.
                    if (issue.Grade > _parseStatus) _parseStatus = issue.Grade;
                    _parseErrors.Add(new ToolParseError(issue.Error.Code, issue.Error.Message));
                    break;
            }
        }
        FlushText();
        bool tokensPending = _pendingLogprobs.Count > 0 || _pendingTokenIds.Count > 0;
        // A token whose text is empty (a partial UTF-8 character, a skipped special token, text a parser or a stop
        // string holds back) still gets its own chunk when the client asked for its id or logprob: the client is
        // waiting for exactly that. Without ids or logprobs only the choice's first token gets one, an empty delta,
        // so that time to first token is measured at the first token and not at the first text.
        bool firstToken = !finish && !_firstChunkSent && TokenCount > 0;
        if (choices.Count == 0 && !finish && (tokensPending || firstToken)) choices.Add(Choice(new ChatCompletionDelta()));
        if (choices.Count > 0) _firstChunkSent = true;
        // Logprobs and token ids ride on this token's chunk (the first one), so each token's are sent once.
        if (choices.Count > 0 && tokensPending)
        {
            choices[0] = choices[0] with
            {
                Logprobs = _pendingLogprobs.Count > 0 ? new ChoiceLogprobs(_pendingLogprobs.ToArray()) : null,
                TokenIds = _pendingTokenIds.Count > 0 ? _pendingTokenIds.ToArray() : null,
            };
            _pendingLogprobs.Clear();
            _pendingTokenIds.Clear();
        }
        foreach (var c in choices) _sent.Add(c);
        return choices;
    }

    /// <summary>The chunk choice that ends this choice, carrying what no text chunk took. Produced once.</summary>
    public ChunkChoice Final(string finishReason)
    {
        if (_final is not null) return _final;
        _final = Choice(new ChatCompletionDelta()) with
        {
            FinishReason = finishReason,
            Logprobs = _pendingLogprobs.Count > 0 ? new ChoiceLogprobs(_pendingLogprobs.ToArray()) : null,
            TokenIds = _pendingTokenIds.Count > 0 ? _pendingTokenIds.ToArray() : null,
            ToolParse = Report(),
        };
        _pendingLogprobs.Clear();
        _pendingTokenIds.Clear();
        _sent.Add(_final);
        var parse = _final.ToolParse is { } report ? new ToolParseOutcome(report.Parser, report.Status) : (ToolParseOutcome?)null;
        if (parse is { } p) GrainTelemetry.RecordToolParse(_model, p.Parser, p.Status);
        GrainTelemetry.EmitParse(_firstTokenAt ?? DateTime.UtcNow, Stopwatch.GetElapsedTime(0, _busyTicks), TokenCount, parse);
        return _final;
    }

    /// <summary>
    /// The whole choice, for the non-streaming response: the fold of every chunk choice this stream produced, the
    /// final one included (produced now if it was not yet), so it equals what a client accumulating the stream has.
    /// </summary>
    public ChatCompletionChoice Complete(string finishReason)
    {
        Final(finishReason);
        return _sent.ToChoice(_logprobs, ReturnTokenIds);
    }

    private ToolParseReport? Report() =>
        _parserName is null ? null : new ToolParseReport(_parserName, _parseStatus.ToString().ToLowerInvariant(), _parseErrors.ToArray());

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

    /// <summary>
    /// A choice's chunk choices folded the way OpenAI clients fold them: content and reasoning concatenated, tool calls
    /// by index (id, type and name from the first delta, argument fragments concatenated), the finish reason, logprobs,
    /// token ids and <c>tool_parse</c> from the chunks that carry them.
    /// </summary>
    private sealed class StreamedChoice(int index)
    {
        private readonly StringBuilder _content = new();
        private readonly StringBuilder _reasoning = new();
        private readonly List<(string Id, string Name, StringBuilder Arguments)> _calls = [];
        private readonly List<TokenLogprobInfo> _logprobs = [];
        private readonly List<int> _tokenIds = [];
        private string? _finishReason;
        private ToolParseReport? _toolParse;

        public void Add(ChunkChoice choice)
        {
            var delta = choice.Delta;
            if (delta.Content is { } content) _content.Append(content);
            if (delta.ReasoningContent is { } reasoning) _reasoning.Append(reasoning);
            foreach (var call in delta.ToolCalls ?? [])
            {
                if (call.Index == _calls.Count)
                    _calls.Add((call.Id!, call.Function.Name!, new StringBuilder()));
                _calls[call.Index].Arguments.Append(call.Function.Arguments);
            }
            if (choice.Logprobs is { } logprobs) _logprobs.AddRange(logprobs.Content);
            if (choice.TokenIds is { } ids) _tokenIds.AddRange(ids);
            _finishReason = choice.FinishReason ?? _finishReason;
            _toolParse = choice.ToolParse ?? _toolParse;
        }

        public ChatCompletionChoice ToChoice(bool logprobs, bool tokenIds)
        {
            var calls = _calls.Select(c => new AssistantToolCall { Id = c.Id, Function = new FunctionCall(c.Name, c.Arguments.ToString()) }).ToArray();
            return new ChatCompletionChoice
            {
                Index = index,
                Message = new AssistantMessage
                {
                    // OpenAI's shape: content null when the reply is only tool calls, "" when it is nothing at all.
                    Content = _content.Length > 0 ? _content.ToString() : calls.Length > 0 ? null : "",
                    ReasoningContent = _reasoning.Length > 0 ? _reasoning.ToString() : null,
                    ToolCalls = calls.Length > 0 ? calls : null,
                },
                FinishReason = _finishReason!,
                Logprobs = logprobs ? new ChoiceLogprobs(_logprobs.ToArray()) : null,
                TokenIds = tokenIds ? _tokenIds.ToArray() : null,
                ToolParse = _toolParse,
            };
        }
    }
}
