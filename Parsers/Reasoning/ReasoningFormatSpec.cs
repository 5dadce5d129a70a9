namespace Cluster.Parsers.Reasoning;

/// <summary>
/// The markers of a reasoning block (<c>&lt;think&gt;…&lt;/think&gt;</c> and relatives). Spec files live in
/// <c>Formats/Reasoning/*.json</c>; a tool-call format may embed one (Command A's thinking block).
/// </summary>
public sealed record ReasoningFormatSpec
{
    /// <summary>The parser name (as vLLM's <c>--reasoning-parser</c> spells it). Empty when embedded in a tool format.</summary>
    public string Name { get; init; } = "";

    /// <summary>Other names that select this format.</summary>
    public string[] Aliases { get; init; } = [];

    /// <summary>The model families that emit this format.</summary>
    public string? Description { get; init; }

    /// <summary>The opening marker.</summary>
    public required string Start { get; init; }

    /// <summary>The closing marker.</summary>
    public required string End { get; init; }

    /// <summary>The output begins inside the block (the template opened it): text before <see cref="End"/> is reasoning,
    /// and a leading <see cref="Start"/> the model repeats anyway is dropped.</summary>
    public bool StartsInReasoning { get; init; }

    /// <summary>Only the first block is reasoning; later markers are ordinary text (DeepSeek R1 style).</summary>
    public bool SingleBlock { get; init; }
}
