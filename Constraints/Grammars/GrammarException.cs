namespace Cluster.Constraints;

/// <summary>
/// The grammar a request asked for cannot be compiled or matched: the request's fault, never a bug of the engine. Catch this
/// one type to answer 400; anything else escaping the library is a defect.
/// </summary>
/// <remarks>
/// Subtypes say why: <see cref="UnsupportedSchemaException"/>, <see cref="UnsupportedRegexException"/>,
/// <see cref="GrammarLimitException"/>, <see cref="UnsatisfiableGrammarException"/>, <see cref="UnknownSpecialTokenException"/>.
/// Messages name the problem in the request's own terms and carry no <c>(Parameter '…')</c> suffix.
/// </remarks>
public abstract class GrammarException : Exception
{
    private protected GrammarException(string message, string? schemaPointer, Exception? inner = null)
        : base(message, inner)
    {
        SchemaPointer = schemaPointer;
    }

    /// <summary>
    /// JSON pointer (RFC 6901) to the JSON schema object where it happened: empty for the schema's root, null when the problem is not
    /// inside a JSON schema (a regex, a grammar built in code) or its place is not known. A caller turns <c>/items/properties/a</c>
    /// into its own field path, e.g. <c>response_format.json_schema.schema.items.properties.a</c>.
    /// </summary>
    public string? SchemaPointer { get; }

    /// <summary><see cref="SchemaPointer"/> written for messages: <c>'#/items'</c>, or empty when there is none.</summary>
    private protected static string At(string? schemaPointer) => schemaPointer is null ? "" : $" at '#{schemaPointer}'";
}
