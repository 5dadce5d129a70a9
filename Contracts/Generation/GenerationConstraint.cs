using Cluster.Contracts.OpenAI;

namespace Cluster.Contracts.Generation;

/// <summary>What constrained decoding must guarantee for a sequence. The model grain compiles it for its vocabulary.</summary>
[GenerateSerializer, Alias("cluster.constraint-kind")]
public enum ConstraintKind
{
    /// <summary>Output is JSON valid against <see cref="GenerationConstraint.Schema"/>.</summary>
    JsonSchema,
    /// <summary>Output is any JSON object.</summary>
    JsonObject,
    /// <summary>Output matches <see cref="GenerationConstraint.Pattern"/> entirely.</summary>
    Regex,
    /// <summary>Output is one of <see cref="GenerationConstraint.Choices"/>.</summary>
    Choice,
    /// <summary>Output is tool calls in the model's native format (or a JSON array where the format has no markers).</summary>
    ToolCalls,
}

/// <summary>A constraint for one generation, serializable across grains.</summary>
[GenerateSerializer, Immutable, Alias("cluster.generation-constraint")]
public sealed record GenerationConstraint
{
    [Id(0)] public required ConstraintKind Kind { get; init; }

    [Id(1)] public string? Schema { get; init; }

    [Id(2)] public string? Pattern { get; init; }

    [Id(3)] public string[]? Choices { get; init; }

    /// <summary>For <see cref="ConstraintKind.ToolCalls"/>: the tools a call may name (arguments follow their schemas).</summary>
    [Id(4)] public ChatTool[] Tools { get; init; } = [];

    /// <summary>For <see cref="ConstraintKind.ToolCalls"/>: the tool-call format (parser name) the calls are written in.</summary>
    [Id(5)] public string? ToolCallFormat { get; init; }

    [Id(6)] public int MinCalls { get; init; } = 1;

    /// <summary>Null: any number of calls.</summary>
    [Id(7)] public int? MaxCalls { get; init; }

    /// <summary>Free text until the format's start marker, then constrained calls (strict tools under <c>tool_choice: "auto"</c>).</summary>
    [Id(8)] public bool Lazy { get; init; }

    /// <summary>The prompt opened a reasoning block: free text until its end marker, then the constraint.</summary>
    [Id(9)] public string? AfterReasoningEnd { get; init; }

    /// <summary>Enforce every schema keyword or refuse (OpenAI's <c>strict: true</c>); otherwise unenforceable keywords are ignored.</summary>
    [Id(10)] public bool Strict { get; init; } = true;

    /// <summary>The request field the constraint came from, named in errors (e.g. <c>response_format.json_schema.schema</c>).</summary>
    [Id(11)] public string Source { get; init; } = "response_format";
}
