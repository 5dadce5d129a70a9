namespace Cluster.Constraints;

/// <summary>
/// A JSON schema asks for something the constraint engine cannot enforce. Thrown rather than silently generating
/// unconstrained output; the gateway answers 400 naming <see cref="Keyword"/> at <see cref="GrammarException.SchemaPointer"/>
/// (never null here).
/// </summary>
public sealed class UnsupportedSchemaException(string keyword, string schemaPointer, string reason)
    : GrammarException($"Unsupported JSON schema keyword '{keyword}' at '{(schemaPointer.Length == 0 ? "#" : "#" + schemaPointer)}': {reason}", schemaPointer)
{
    /// <summary>The keyword that cannot be enforced (e.g. <c>uniqueItems</c>).</summary>
    public string Keyword { get; } = keyword;

    /// <summary>Why it cannot be enforced.</summary>
    public string Reason { get; } = reason;
}
