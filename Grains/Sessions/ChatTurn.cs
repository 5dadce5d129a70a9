using Cluster.Contracts.Generation;
using Cluster.Contracts.OpenAI;
using Cluster.Grains.Hosting;
using Cluster.Parsers;

namespace Cluster.Grains.Sessions;

/// <summary>
/// Everything one chat request resolves to before generation: the tokenized prompt, the per-choice generation
/// requests, and how choices are parsed. Refusals are <see cref="ArgumentException"/>s naming the field.
/// </summary>
internal sealed class ChatTurn
{
    private readonly ServedModel _model;
    private readonly ChatCompletionRequest _request;
    private readonly string? _parserName;

    private ChatTurn(ServedModel model, ChatCompletionRequest request, ChatPrompt prompt, string? parserName)
    {
        _model = model;
        _request = request;
        Prompt = prompt;
        _parserName = parserName;
    }

    public ChatPrompt Prompt { get; }

    public static ChatTurn Prepare(ServedModel model, ChatCompletionRequest request, IReadOnlyList<ChatMessage> messages)
    {
        string toolChoice = request.ToolChoiceFunction is not null ? "named" : request.ToolChoice ?? (request.Tools.Length > 0 ? "auto" : "none");
        string? parser = model.Format.ToolCallParser;
        if (toolChoice == "auto" && request.Tools.Length > 0 && parser is null)
            throw new ArgumentException(
                "\"auto\" tool choice requires the server to run with --tool-call-parser (a parser name, auto, or a spec file); this model has none.",
                "tool_choice");
        if (toolChoice is "required" or "named" && parser is null)
            throw new ArgumentException($"tool_choice \"{toolChoice}\" requires the server to run with --tool-call-parser; this model has none.", "tool_choice");
        var prompt = ChatPrompt.Build(model, request, messages);
        int room = model.Engine.MaxSequenceLength - prompt.TokenIds.Length;
        if (room <= 0)
            throw new ArgumentException($"This model's maximum context length is {model.Engine.MaxSequenceLength} tokens; the messages take {prompt.TokenIds.Length}.", "messages");
        if (request.MaxTokens is int max && max > room)
            throw new ArgumentException($"max_tokens is {max}, but the prompt takes {prompt.TokenIds.Length} of the model's {model.Engine.MaxSequenceLength} tokens; at most {room} remain.", request.MaxTokens is null ? "max_tokens" : "max_tokens");
        return new ChatTurn(model, request, prompt, toolChoice == "none" ? null : parser);
    }

    public ChoiceStream[] CreateChoices() => Enumerable.Range(0, _request.N).Select(i => new ChoiceStream(i, _model.Folder.Tokenizer, _request, CreateParser(i), _parserName)).ToArray();

    private IToolCallParser? CreateParser(int choice)
    {
        var registry = _model.Format.Parsers;
        var options = new ToolCallParserOptions
        {
            Tools = Parsers.ToolDefinition.FromOpenAiTools(System.Text.Json.Nodes.JsonNode.Parse(ToolsJson())),
            ReasoningParser = _model.Format.ReasoningParser,
            ReasoningStartedInPrompt = _model.Format.ReasoningParser is not null && Prompt.Text.TrimEnd().EndsWith("<think>", StringComparison.Ordinal),
        };
        if (_parserName is not null) return registry.Create(_parserName, options);
        return options.ReasoningParser is { } reasoning ? registry.Reasoning.Create(reasoning, options.ReasoningStartedInPrompt) : null;
    }

    private string ToolsJson() => "[" + string.Join(",", _request.Tools.Select(t =>
        $$$"""{"type":"function","function":{"name":{{{System.Text.Json.JsonSerializer.Serialize(t.Name)}}},"parameters":{{{t.ParametersJson ?? "{}"}}}}}""")) + "]";

    public TokenGenerationRequest GenerationFor(int choice) => new()
    {
        PromptTokenIds = Prompt.TokenIds,
        Sampling = _request.Sampling with
        {
            // Choices of one seeded request differ from each other but are each reproducible.
            Seed = _request.Sampling.Seed is ulong seed ? seed + (ulong)choice : null,
            Logprobs = _request.Logprobs ? _request.TopLogprobs : null,
        },
        MaxTokens = _request.MaxTokens ?? _model.Engine.MaxSequenceLength - Prompt.TokenIds.Length,
        MinTokens = _request.MinTokens,
        StopTokenIds = (_request.IgnoreEos ? [] : Prompt.StopTokenIds).Concat(_request.StopTokenIds).Distinct().ToArray(),
    };

    /// <summary>OpenAI's finish reasons: "tool_calls" when calls were made, except for a named choice ("stop").</summary>
    public string FinishReason(ChoiceStream choice, string generationFinish) =>
        choice.CalledTools && _request.ToolChoiceFunction is null && generationFinish == "stop" ? "tool_calls"
        : choice.CalledTools && generationFinish == "stop" ? "stop"
        : generationFinish;
}
