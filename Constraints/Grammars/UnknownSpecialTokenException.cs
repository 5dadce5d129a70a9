namespace Cluster.Constraints;

/// <summary>The grammar names a special token the vocabulary does not have (or a text token by id, which only matches by its bytes).</summary>
public sealed class UnknownSpecialTokenException(string token, string reason)
    : GrammarException($"Special token {token}: {reason}", null)
{
    /// <summary>The token as the grammar named it: its text, or <c>#id</c>.</summary>
    public string Token { get; } = token;
}
