using System.Text;
using System.Text.Json.Nodes;
using Cluster.Constraints.Grammars;

namespace Cluster.Constraints;

/// <summary>
/// A composable description of what a constrained generation may produce ("structural tag" style):
/// literal text, special tokens, JSON-schema values, regexes, sequences, alternatives, repetitions and
/// lazily triggered sections. Immutable; compile it with <see cref="GrammarCompiler.Compile"/>.
/// </summary>
/// <remarks>
/// Text is matched as UTF-8 bytes. Special tokens are matched only by their token id, never by text,
/// so a model cannot spell <c>&lt;tool_call&gt;</c> out of ordinary pieces where the grammar asks for the special token.
/// </remarks>
public abstract class Grammar
{
    private string? _key;

    private protected Grammar()
    {
    }

    /// <summary>Matches the empty string.</summary>
    public static Grammar Empty { get; } = new EmptyNode();

    /// <summary>Matches nothing at all (a dead end).</summary>
    public static Grammar Nothing { get; } = new NothingNode();

    /// <summary>Exactly this text, as UTF-8 bytes.</summary>
    public static Grammar Literal(string text) => new BytesNode(Encoding.UTF8.GetBytes(text));

    /// <summary>Exactly these bytes.</summary>
    public static Grammar Literal(ReadOnlySpan<byte> bytes) => new BytesNode(bytes.ToArray());

    /// <summary>The special token with this text (e.g. <c>&lt;tool_call&gt;</c>); compiling fails if the vocabulary has no such special token.</summary>
    public static Grammar Special(string text) => new SpecialTokenNode(text, -1);

    /// <summary>The token with this id, matched only as that token; compiling fails unless it is a special or EOS token of the vocabulary.</summary>
    public static Grammar Special(int tokenId) => new SpecialTokenNode(null, tokenId);

    /// <summary>
    /// A format marker such as <c>&lt;tool_call&gt;</c> or <c>[TOOL_CALLS]</c>: the special token with this text when the vocabulary
    /// has one, otherwise the literal text. Lets one grammar serve tokenizers that do and do not register the marker as special.
    /// </summary>
    public static Grammar Marker(string text) => new MarkerNode(text);

    /// <summary>A JSON value valid against <paramref name="schema"/> (a JSON Schema document; <c>null</c> or <c>true</c> means any value).</summary>
    /// <exception cref="UnsupportedSchemaException">At compile time, for a keyword that cannot be enforced under <see cref="JsonSchemaOptions.Strict"/>.</exception>
    public static Grammar JsonSchema(JsonNode? schema, JsonSchemaOptions? options = null) =>
        new JsonSchemaNode(schema?.DeepClone(), options ?? JsonSchemaOptions.Default);

    /// <summary>Any JSON object (OpenAI's <c>response_format: json_object</c>).</summary>
    public static Grammar JsonObject(JsonSchemaOptions? options = null) => JsonSchema(new JsonObject { ["type"] = "object" }, options);

    /// <summary>Text matching the regular expression as a whole (implicitly anchored at both ends).</summary>
    /// <exception cref="UnsupportedRegexException">At compile time, for backreferences, lookaround and other non-regular features.</exception>
    public static Grammar Regex(string pattern) => new RegexNode(pattern);

    /// <summary>Exactly one of these strings (vLLM's <c>structured_outputs.choice</c>).</summary>
    public static Grammar Choice(IEnumerable<string> options) => Alternatives([.. options.Select(Literal)]);

    /// <summary>Each item in turn.</summary>
    public static Grammar Sequence(params Grammar[] items) => items.Length == 1 ? items[0] : new SequenceNode([.. items]);

    /// <summary>Any one of the items.</summary>
    public static Grammar Alternatives(params Grammar[] items) => items.Length == 1 ? items[0] : new ChoiceNode([.. items]);

    /// <summary><paramref name="item"/> or nothing.</summary>
    public static Grammar Optional(Grammar item) => Repeat(item, 0, 1);

    /// <summary>
    /// Between <paramref name="min"/> and <paramref name="max"/> (unbounded when <c>null</c>) occurrences of <paramref name="item"/>,
    /// with <paramref name="separator"/> between consecutive occurrences when given.
    /// </summary>
    public static Grammar Repeat(Grammar item, int min, int? max, Grammar? separator = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(min);
        if (max is { } m) ArgumentOutOfRangeException.ThrowIfLessThan(m, min);
        return new RepeatNode(item, min, max, separator);
    }

    /// <summary>
    /// A lazily constrained section (llama.cpp's lazy grammars): free text that contains none of <paramref name="triggers"/>,
    /// optionally followed by <paramref name="body"/>. Write <paramref name="body"/> so that it begins with a trigger (for example
    /// <c>Marker("&lt;tool_call&gt;")</c>): from the moment a trigger appears the rest of the output must match <paramref name="body"/>.
    /// Free text is any bytes; special tokens are not free text.
    /// </summary>
    public static Grammar Lazy(IEnumerable<string> triggers, Grammar body) =>
        Sequence(new FreeTextNode([.. triggers]), Optional(body));

    /// <summary>Free text (any bytes, no special tokens) that never contains any of <paramref name="stopStrings"/>.</summary>
    public static Grammar FreeText(params string[] stopStrings) => new FreeTextNode(stopStrings);

    /// <summary>A canonical text form of the grammar; equal keys mean equal grammars (used as the compile cache key).</summary>
    public string CanonicalKey => _key ??= BuildKey();

    private string BuildKey()
    {
        var builder = new StringBuilder();
        AppendKey(builder);
        return builder.ToString();
    }

    internal abstract void AppendKey(StringBuilder builder);

    /// <inheritdoc />
    public override string ToString() => CanonicalKey;
}
