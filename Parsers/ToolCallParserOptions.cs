namespace Cluster.Parsers;

/// <summary>Per-request settings for a tool-call parser.</summary>
public sealed record ToolCallParserOptions
{
    /// <summary>The request's tools; schema-typed formats use their parameter types.</summary>
    public IReadOnlyList<ToolDefinition> Tools { get; init; } = [];

    /// <summary>Seed for generated call ids; the same seed yields the same ids (tests, replays). Null: random.</summary>
    public int? IdSeed { get; init; }

    /// <summary>Reject calls to functions not among <see cref="Tools"/> (when any are given). Formats may turn this on.</summary>
    public bool RejectUnknownTools { get; init; }

    /// <summary>Name of a reasoning parser to run before the tool parser (see <see cref="Cluster.Parsers.Reasoning.ReasoningParserRegistry"/>).</summary>
    public string? ReasoningParser { get; init; }

    /// <summary>The chat template already opened the reasoning block (e.g. the prompt ends with <c>&lt;think&gt;</c>).</summary>
    public bool ReasoningStartedInPrompt { get; init; }

    /// <summary>The definition of <paramref name="name"/>, or null.</summary>
    public ToolDefinition? FindTool(string name)
    {
        foreach (var tool in Tools)
        {
            if (tool.Name == name)
            {
                return tool;
            }
        }
        return null;
    }
}
