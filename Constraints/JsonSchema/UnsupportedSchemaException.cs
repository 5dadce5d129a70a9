namespace Cluster.Constraints;

/// <summary>
/// A JSON schema asks for something the constraint engine cannot enforce. Thrown rather than silently generating
/// unconstrained output; the gateway answers 400 naming <see cref="Keyword"/> at <see cref="SchemaPointer"/>.
/// </summary>
public sealed class UnsupportedSchemaException(string keyword, string schemaPointer, string reason)
    : Exception($"Unsupported JSON schema keyword '{keyword}' at '{(schemaPointer.Length == 0 ? "#" : "#" + schemaPointer)}': {reason}")
{
    /// <summary>The keyword that cannot be enforced (e.g. <c>uniqueItems</c>).</summary>
    public string Keyword { get; } = keyword;

    /// <summary>JSON pointer (RFC 6901) to the schema object holding the keyword; empty for the root.</summary>
    public string SchemaPointer { get; } = schemaPointer;

    /// <summary>Why it cannot be enforced.</summary>
    public string Reason { get; } = reason;
}
