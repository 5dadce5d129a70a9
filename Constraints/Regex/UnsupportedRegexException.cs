namespace Cluster.Constraints;

/// <summary>A regex uses a feature that no finite automaton can enforce (backreferences, lookaround) or that is not supported.</summary>
public sealed class UnsupportedRegexException(string pattern, int position, string feature)
    : GrammarException($"Unsupported regex feature '{feature}' at position {position} in /{pattern}/.", null)
{
    /// <summary>The pattern.</summary>
    public string Pattern { get; } = pattern;

    /// <summary>Character offset of the feature in <see cref="Pattern"/>.</summary>
    public int Position { get; } = position;

    /// <summary>The feature, e.g. <c>backreference</c> or <c>lookahead</c>.</summary>
    public string Feature { get; } = feature;
}
