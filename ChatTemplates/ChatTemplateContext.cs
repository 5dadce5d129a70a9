using System.Text.Json.Nodes;

namespace Cluster.ChatTemplates;

/// <summary>
/// The variables of Hugging Face's <c>apply_chat_template</c>: the conversation and tools in OpenAI shape, the generation
/// prompt switch, special tokens and any extra keyword arguments (<c>enable_thinking</c>, <c>tools_in_user_message</c>, …).
/// </summary>
public sealed record ChatTemplateContext
{
    /// <summary>The conversation: an array of OpenAI chat messages (<c>role</c>, <c>content</c>, <c>tool_calls</c>, …).</summary>
    public required JsonArray Messages { get; init; }

    /// <summary>OpenAI tool objects (<c>{"type": "function", "function": {...}}</c>); null leaves <c>tools</c> undefined.</summary>
    public JsonArray? Tools { get; init; }

    /// <summary>Whether to end with the assistant turn header (Hugging Face's <c>add_generation_prompt</c>).</summary>
    public bool AddGenerationPrompt { get; init; } = true;

    /// <summary>The model's BOS token text (<c>bos_token</c>).</summary>
    public string? BosToken { get; init; } = "<s>";

    /// <summary>The model's EOS token text (<c>eos_token</c>).</summary>
    public string? EosToken { get; init; } = "</s>";

    /// <summary>Further template variables (other special tokens and kwargs); they override the ones above of the same name.</summary>
    public IReadOnlyDictionary<string, JsonNode?> ExtraVariables { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The local time <c>strftime_now</c> renders; null means the current local time.</summary>
    public DateTime? Now { get; init; }
}
