using System.Text.Json.Serialization;

namespace Cluster.ChatTemplates.Probing;

/// <summary>
/// What a chat template accepts, found by rendering small synthetic conversations through it (see
/// <see cref="TemplateCapabilityProbe"/>). <see cref="MessageNormalizer"/> uses it to reshape OpenAI messages before
/// rendering; <see cref="Notes"/> says why each conclusion was reached, for users debugging a template.
/// </summary>
public sealed record TemplateCapabilities
{
    /// <summary>A system message's text appears in the output (rather than being dropped or raising).</summary>
    [JsonPropertyName("supports_system_role")]
    public bool SupportsSystemRole { get; init; }

    /// <summary>Offered tools appear in the output.</summary>
    [JsonPropertyName("supports_tools")]
    public bool SupportsTools { get; init; }

    /// <summary>An assistant message's tool calls appear in the output.</summary>
    [JsonPropertyName("supports_tool_calls")]
    public bool SupportsToolCalls { get; init; }

    /// <summary>A <c>tool</c> message's content appears in the output.</summary>
    [JsonPropertyName("supports_tool_responses")]
    public bool SupportsToolResponses { get; init; }

    /// <summary>Two tool calls in one assistant message both appear, without an error.</summary>
    [JsonPropertyName("supports_parallel_tool_calls")]
    public bool SupportsParallelToolCalls { get; init; }

    /// <summary>Tool-call arguments must be an object: given OpenAI's JSON string, the template fails or renders it escaped.</summary>
    [JsonPropertyName("requires_object_arguments")]
    public bool RequiresObjectArguments { get; init; }

    /// <summary>An assistant message with tool calls must not have <c>content: null</c> (the template fails or prints "None").</summary>
    [JsonPropertyName("requires_non_null_content")]
    public bool RequiresNonNullContent { get; init; }

    /// <summary>Tool-call ids must be 9 alphanumeric characters (Mistral templates raise otherwise).</summary>
    [JsonPropertyName("requires_nine_character_tool_call_ids")]
    public bool RequiresNineCharacterToolCallIds { get; init; }

    /// <summary>One line per probe: what was rendered and what was concluded.</summary>
    [JsonPropertyName("notes")]
    public IReadOnlyList<string> Notes { get; init; } = [];
}
