namespace Cluster.Constraints;

/// <summary>How a JSON schema becomes a grammar.</summary>
public sealed record JsonSchemaOptions
{
    /// <summary>Strict, at most 4 whitespace characters between JSON tokens.</summary>
    public static JsonSchemaOptions Default { get; } = new();

    /// <summary>
    /// When true (the default), any keyword the engine cannot enforce raises <see cref="UnsupportedSchemaException"/>
    /// (OpenAI <c>strict: true</c>). When false such keywords are ignored and the output satisfies the rest of the schema.
    /// </summary>
    public bool Strict { get; init; } = true;

    /// <summary>
    /// Most whitespace characters (space, tab, newline, carriage return) allowed in a row between JSON tokens. Models write
    /// <c>{"a": 1}</c>, which needs one; a bound (instead of JSON's unbounded whitespace) keeps a model that drifts into
    /// whitespace from looping forever. Raise it for pretty-printed output.
    /// </summary>
    public int MaxWhitespace { get; init; } = 4;

    /// <summary>
    /// Longest string length enforced exactly; a larger <c>maxLength</c> is lowered to this (every output still satisfies the schema).
    /// </summary>
    public int MaxEnforcedStringLength { get; init; } = 4096;

    internal string CacheKey => $"{(Strict ? 's' : 'l')}{MaxWhitespace},{MaxEnforcedStringLength}";
}
