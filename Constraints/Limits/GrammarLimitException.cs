namespace Cluster.Constraints;

/// <summary>
/// Compiling or matching a grammar went past one of the <see cref="GrammarLimits"/>: the request asks for more nesting, states or
/// time than one constraint may take. Thrown instead of recursing or allocating without bound.
/// </summary>
public sealed class GrammarLimitException : GrammarException
{
    /// <param name="limit">The <see cref="GrammarLimits"/> property that was exceeded.</param>
    /// <param name="value">Its value.</param>
    /// <param name="schemaPointer">Where in the JSON schema, or null.</param>
    /// <param name="what">What went past it, as a noun phrase (e.g. "the schema nesting").</param>
    public GrammarLimitException(string limit, long value, string? schemaPointer, string what)
        : base($"The constraint is too large: {what}{At(schemaPointer)} exceeds {limit} ({value}).", schemaPointer)
    {
        Limit = limit;
        Value = value;
        What = what;
    }

    /// <summary>The name of the exceeded <see cref="GrammarLimits"/> property, e.g. <c>MaxSchemaDepth</c>.</summary>
    public string Limit { get; }

    /// <summary>The limit's value when it was exceeded (milliseconds for <see cref="GrammarLimits.CompileTimeout"/>).</summary>
    public long Value { get; }

    /// <summary>What went past the limit, as the message words it.</summary>
    public string What { get; }

    /// <summary>The same error placed at <paramref name="schemaPointer"/>, inside <paramref name="context"/> (a limit hit in a schema's <c>pattern</c>).</summary>
    internal GrammarLimitException Relocated(string schemaPointer, string context) => new(Limit, Value, schemaPointer, $"{What} in {context}");
}
