using Cluster.Contracts.Generation;

namespace Cluster.Contracts.OpenAI;

/// <summary>
/// A validated <c>POST /v1/chat/completions</c> body, as the gateway hands it to a session grain.
/// Open-ended JSON (tool parameter schemas, template kwargs) travels as JSON text.
/// </summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-completion-request")]
public sealed record ChatCompletionRequest
{
    [Id(0)] public required string Model { get; init; }

    [Id(1)] public required ChatMessage[] Messages { get; init; }

    [Id(2)] public SamplingOptions Sampling { get; init; } = new();

    /// <summary><c>max_completion_tokens</c> or <c>max_tokens</c>; null = until the context is full.</summary>
    [Id(3)] public int? MaxTokens { get; init; }

    [Id(4)] public ChatTool[] Tools { get; init; } = [];

    /// <summary><c>tool_choice</c>: "none", "auto" or "required"; null when absent (auto with tools, none without).</summary>
    [Id(5)] public string? ToolChoice { get; init; }

    /// <summary>The function of a named <c>tool_choice</c> (<c>{"type":"function","function":{"name":…}}</c>).</summary>
    [Id(19)] public string? ToolChoiceFunction { get; init; }

    [Id(6)] public bool ParallelToolCalls { get; init; } = true;

    [Id(7)] public bool IncludeUsage { get; init; }

    [Id(8)] public string[] Stop { get; init; } = [];

    /// <summary><c>chat_template_kwargs</c> as a JSON object text, e.g. <c>{"enable_thinking": false}</c>.</summary>
    [Id(9)] public string? ChatTemplateKwargsJson { get; init; }

    [Id(10)] public bool IgnoreEos { get; init; }

    /// <summary>Choices to generate (<c>n</c>).</summary>
    [Id(11)] public int N { get; init; } = 1;

    /// <summary>OpenAI's <c>logprobs</c>: return the chosen tokens' log-probabilities.</summary>
    [Id(12)] public bool Logprobs { get; init; }

    /// <summary>OpenAI's <c>top_logprobs</c> (0–20, needs <see cref="Logprobs"/>).</summary>
    [Id(13)] public int TopLogprobs { get; init; }

    /// <summary>vLLM's <c>min_tokens</c>.</summary>
    [Id(14)] public int MinTokens { get; init; }

    /// <summary>vLLM's <c>stop_token_ids</c>.</summary>
    [Id(15)] public int[] StopTokenIds { get; init; } = [];

    /// <summary>vLLM's <c>return_token_ids</c>: prompt and completion token ids in the response.</summary>
    [Id(16)] public bool ReturnTokenIds { get; init; }

    /// <summary>vLLM's <c>skip_special_tokens</c> (default true) for plain content.</summary>
    [Id(17)] public bool SkipSpecialTokens { get; init; } = true;

    /// <summary><c>response_format</c> or vLLM's <c>structured_outputs</c>, as a constraint; null when free.</summary>
    [Id(20)] public GenerationConstraint? OutputConstraint { get; init; }

    /// <summary>Keep tools out of the prompt when <c>tool_choice</c> is "none" (vLLM's <c>--exclude-tools-when-tool-choice-none</c>).</summary>
    [Id(18)] public bool ExcludeToolsWhenToolChoiceNone { get; init; }

    /// <summary>vLLM's <c>add_generation_prompt</c> (default true): the template opens the assistant's turn.</summary>
    [Id(21)] public bool AddGenerationPrompt { get; init; } = true;
}

/// <summary>A message of the conversation in OpenAI's shape (content flattened to text).</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-message")]
public sealed record ChatMessage
{
    [Id(0)] public required string Role { get; init; }

    [Id(1)] public string? Content { get; init; }

    [Id(2)] public string? Name { get; init; }

    [Id(3)] public string? ToolCallId { get; init; }

    [Id(4)] public ChatToolCall[]? ToolCalls { get; init; }

    [Id(5)] public string? ReasoningContent { get; init; }
}

/// <summary>An assistant's tool call as it appears in history: arguments are a JSON string.</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-tool-call")]
public sealed record ChatToolCall([property: Id(0)] string Id, [property: Id(1)] string Name, [property: Id(2)] string Arguments);

/// <summary>A function the model may call; <see cref="ParametersJson"/> is its JSON Schema.</summary>
[GenerateSerializer, Immutable, Alias("cluster.chat-tool")]
public sealed record ChatTool
{
    [Id(0)] public required string Name { get; init; }

    [Id(1)] public string? Description { get; init; }

    [Id(2)] public string? ParametersJson { get; init; }

    [Id(3)] public bool? Strict { get; init; }
}
