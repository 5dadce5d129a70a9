using Cluster.Contracts.Requests;
using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Grains.Hosting;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Everything one chat request resolves to before generation: the tokenized prompt, the per-choice generation
/// requests, and how choices are parsed. Refusals are <see cref="RequestRejectedException"/>s naming the field.
/// </summary>
internal sealed class ChatTurn
{
    private readonly ModelFrontend _model;
    private readonly ChatCompletionRequest _request;
    private readonly string? _parserName;

    private readonly GenerationConstraint? _constraint;
    private readonly bool _reasoningOpen;
    private readonly IReadOnlyList<Parsers.ToolDefinition> _tools;

    private ChatTurn(ModelFrontend model, ChatCompletionRequest request, ChatPrompt prompt, string? parserName, GenerationConstraint? constraint, bool reasoningOpen)
    {
        _model = model;
        _request = request;
        Prompt = prompt;
        _parserName = parserName;
        _constraint = constraint;
        _reasoningOpen = reasoningOpen;
        _tools = request.Tools.Length == 0 ? [] : Parsers.ToolDefinition.FromOpenAiTools(ChatToolJson.ToOpenAI(request.Tools));
    }

    public ChatPrompt Prompt { get; }

    private readonly PromptCacheTally _promptCache = new(prompts: 1);

    /// <param name="memo">A stateful session's previous prompt, whose pieces' token ids are reused; null tokenizes it all.</param>
    public static ChatTurn Prepare(ModelFrontend model, ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages, PromptTokenMemo? memo = null)
    {
        string toolChoice = request.ToolChoiceFunction is not null ? "named" : request.ToolChoice ?? (request.Tools.Length > 0 ? "auto" : "none");
        string? parser = model.Format.ToolCallParser;
        if (toolChoice == "auto" && request.Tools.Length > 0 && parser is null)
            throw RequestRejection.Invalid("tool_choice", "\"auto\" tool choice requires the server to run with --tool-call-parser (a parser name, auto, or a spec file); this model has none.").ToException();
        if (toolChoice is "required" or "named" && request.OutputConstraint is not null)
            throw RequestRejection.Invalid("response_format", "A forced tool choice and response_format/structured_outputs cannot both constrain the same output.").ToException();
        var prompt = ChatPrompt.Build(model, request, messages, memo);
        bool reasoningOpen = model.Format.ReasoningParser is not null && prompt.Text.TrimEnd().EndsWith("<think>", StringComparison.Ordinal);
        string? afterReasoning = reasoningOpen ? "</think>" : null;
        GenerationConstraint? constraint = request.OutputConstraint is { } output ? output with { AfterReasoningEnd = afterReasoning } : null;
        if (toolChoice is "required" or "named" || (toolChoice == "auto" && request.Tools.Any(t => t.Strict == true)))
        {
            // Calls are generated in the model's native format where its spec allows; otherwise as the generic JSON array,
            // which is then also what this request's output is parsed with.
            var spec = parser is null ? null : model.Format.Parsers.FindSpec(parser);
            if (spec is null || !Constraints.ToolCallGrammar.IsDerivable(spec))
            {
                if (toolChoice == "auto") throw RequestRejection.Invalid("tools", $"strict tools need a tool-call format that constrained decoding can generate; '{parser}' is not one.").ToException();
                parser = Constraints.ConstraintGrammar.JsonArrayFormat;
            }
            constraint = new GenerationConstraint
            {
                Kind = ConstraintKind.ToolCalls,
                Tools = toolChoice == "named" ? request.Tools.Where(t => t.Name == request.ToolChoiceFunction).ToArray() : request.Tools,
                ToolCallFormat = parser,
                MinCalls = 1,
                MaxCalls = toolChoice == "named" || !request.ParallelToolCalls ? 1 : null,
                Lazy = toolChoice == "auto",
                Strict = request.Tools.Any(t => t.Strict == true),
                AfterReasoningEnd = afterReasoning,
                Source = toolChoice == "auto" ? "tools" : "tool_choice",
            };
        }
        // Everything that can refuse the request runs here, before the first streamed byte: constraint compilation
        // included (the model grain then finds the compiled grammar in the per-vocabulary cache).
        if (constraint is not null) Constraints.ConstraintGrammar.Compile(model, constraint);
        SamplingRules.Check(model, request.Sampling);
        int room = model.MaxModelLength - prompt.TokenIds.Length;
        if (room <= 0)
            throw RequestRejection.Invalid("messages", $"This model's maximum context length is {model.MaxModelLength} tokens; the messages take {prompt.TokenIds.Length}.").ToException();
        if (request.MaxTokens is int max && max > room)
            throw RequestRejection.Invalid("max_tokens", $"max_tokens is {max}, but the prompt takes {prompt.TokenIds.Length} of the model's {model.MaxModelLength} tokens; at most {room} remain.").ToException();
        // Harmony (gpt-oss) output is channels: its parser also separates reasoning, so it runs even without tools.
        bool parserNeeded = toolChoice != "none" || parser == "openai";
        return new ChatTurn(model, request, prompt, parserNeeded ? parser : null, constraint, reasoningOpen);
    }

    public ChoiceStream[] CreateChoices() => Enumerable.Range(0, _request.N)
        .Select(i => new ChoiceStream(i, _model.Folder.Tokenizer, _request, CreateParser(i), _parserName, GenerationFor(i).StopTokenIds.ToHashSet()))
        .ToArray();

    private IToolCallParser? CreateParser(int choice)
    {
        var registry = _model.Format.Parsers;
        var options = new ToolCallParserOptions
        {
            Tools = _tools,
            ReasoningParser = _model.Format.ReasoningParser,
            ReasoningStartedInPrompt = _reasoningOpen,
            IdSeed = _request.Sampling.Seed is ulong seed ? (int)(seed + (ulong)choice) : null,
        };
        if (_parserName is not null) return registry.Create(_parserName, options);
        return options.ReasoningParser is { } reasoning ? registry.Reasoning.Create(reasoning, options.ReasoningStartedInPrompt) : null;
    }

    public TokenGenerationRequest GenerationFor(int choice) => new()
    {
        PromptTokenIds = Prompt.TokenIds,
        Sampling = _request.Sampling with
        {
            // Choices of one seeded request differ from each other but are each reproducible.
            Seed = _request.Sampling.Seed is ulong seed ? seed + (ulong)choice : null,
            Logprobs = _request.Logprobs ? _request.TopLogprobs : null,
        },
        MaxTokens = _request.MaxTokens ?? _model.MaxModelLength - Prompt.TokenIds.Length,
        MinTokens = _request.MinTokens,
        StopTokenIds = (_request.IgnoreEos ? [] : Prompt.StopTokenIds).Concat(_request.StopTokenIds).Distinct().ToArray(),
        Constraint = _constraint,
    };

    /// <summary>Notes a generated token of choice <paramref name="choice"/>, for the usage's cached prompt tokens.</summary>
    public void Observe(int choice, GeneratedTokenEvent token) => _promptCache.Observe(prompt: 0, choice, token);

    /// <summary>This turn's usage once its choices generated <paramref name="completionTokens"/> tokens in all.</summary>
    public CompletionUsage Usage(int completionTokens) => _promptCache.Usage(Prompt.TokenIds.Length, completionTokens);

    /// <summary>OpenAI's finish reasons: "tool_calls" when calls were made, except for a named choice ("stop").</summary>
    public string FinishReason(ChoiceStream choice, string generationFinish) =>
        choice.CalledTools && _request.ToolChoiceFunction is null && generationFinish == "stop" ? "tool_calls"
        : choice.CalledTools && generationFinish == "stop" ? "stop"
        : generationFinish;
}
