using System.Text;
using System.Text.Json.Nodes;
using Cluster.Constraints.JsonSchema;
using Cluster.Constraints.Text;

namespace Cluster.Constraints.Grammars;

// The node kinds behind Grammar. JSON-schema, regex and marker nodes are lowered to the byte-level kinds when compiled.

internal sealed class EmptyNode : Grammar
{
    internal override void AppendKey(StringBuilder builder) => builder.Append("()");
}

internal sealed class NothingNode : Grammar
{
    internal override void AppendKey(StringBuilder builder) => builder.Append("!");
}

internal sealed class BytesNode(byte[] bytes) : Grammar
{
    public byte[] Bytes { get; } = bytes;

    internal override void AppendKey(StringBuilder builder) => builder.Append("b:").Append(Convert.ToHexString(Bytes)).Append(';');
}

/// <summary>One byte from a set of byte ranges.</summary>
internal sealed class ByteClassNode((byte Lo, byte Hi)[] ranges) : Grammar
{
    public (byte Lo, byte Hi)[] Ranges { get; } = ranges;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("c:");
        foreach (var (lo, hi) in Ranges) builder.Append(lo.ToString("X2")).Append('-').Append(hi.ToString("X2")).Append(',');
        builder.Append(';');
    }
}

/// <summary>One character (well-formed UTF-8) from a set of code points.</summary>
internal sealed class CodePointClassNode(CodePointSet set) : Grammar
{
    private bool? _coversPlainText;
    private List<Utf8Sequences.Sequence>? _encoded;

    public CodePointSet Set { get; } = set;

    /// <summary>The set as UTF-8 byte-range sequences (cached: counted repetitions build the same class many times).</summary>
    public List<Utf8Sequences.Sequence> Encoded => _encoded ??= Utf8Sequences.Encode(Set);

    /// <summary>Whether every character allowed unescaped in a JSON string is in the set (cached per node).</summary>
    public bool CoversPlainText => _coversPlainText ??= JsonStringCharacters.Unescaped.Subtract(Set).IsEmpty;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("u:");
        foreach (var (lo, hi) in Set.Ranges) builder.Append(lo.ToString("X")).Append('-').Append(hi.ToString("X")).Append(',');
        builder.Append(';');
    }
}

internal sealed class SequenceNode(Grammar[] items) : Grammar
{
    public Grammar[] Items { get; } = items;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("seq(");
        foreach (var item in Items) item.AppendKey(builder);
        builder.Append(')');
    }
}

internal sealed class ChoiceNode(Grammar[] items) : Grammar
{
    public Grammar[] Items { get; } = items;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("alt(");
        foreach (var item in Items)
        {
            item.AppendKey(builder);
            builder.Append('|');
        }
        builder.Append(')');
    }
}

internal sealed class RepeatNode(Grammar item, int min, int? max, Grammar? separator) : Grammar
{
    public Grammar Item { get; } = item;
    public int Min { get; } = min;
    public int? Max { get; } = max;
    public Grammar? Separator { get; } = separator;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("rep").Append(Min).Append(',').Append(Max?.ToString() ?? "*").Append('(');
        Item.AppendKey(builder);
        if (Separator is not null)
        {
            builder.Append(" sep ");
            Separator.AppendKey(builder);
        }
        builder.Append(')');
    }
}

internal sealed class SpecialTokenNode(string? text, int tokenId) : Grammar
{
    public string? Text { get; } = text;
    public int TokenId { get; } = tokenId;

    internal override void AppendKey(StringBuilder builder) =>
        builder.Append("sp:").Append(Text is null ? TokenId.ToString() : JsonValue.Create(Text).ToJsonString()).Append(';');
}

internal sealed class MarkerNode(string text) : Grammar
{
    public string Text { get; } = text;

    internal override void AppendKey(StringBuilder builder) => builder.Append("mk:").Append(JsonValue.Create(Text).ToJsonString()).Append(';');
}

internal sealed class JsonSchemaNode(JsonNode? schema, JsonSchemaOptions options) : Grammar
{
    public JsonNode? Schema { get; } = schema;
    public JsonSchemaOptions Options { get; } = options;

    internal override void AppendKey(StringBuilder builder) =>
        builder.Append("json(").Append(Options.CacheKey).Append(':').Append(Schema?.ToJsonString() ?? "true").Append(')');
}

internal sealed class RegexNode(string pattern) : Grammar
{
    public string Pattern { get; } = pattern;

    internal override void AppendKey(StringBuilder builder) => builder.Append("re:").Append(JsonValue.Create(Pattern).ToJsonString()).Append(';');
}

internal sealed class FreeTextNode(string[] stopStrings) : Grammar
{
    public string[] StopStrings { get; } = stopStrings;

    internal override void AppendKey(StringBuilder builder)
    {
        builder.Append("free(");
        foreach (var s in StopStrings) builder.Append(JsonValue.Create(s).ToJsonString()).Append(',');
        builder.Append(')');
    }
}

/// <summary>A named rule whose body may refer back to itself (recursive <c>$ref</c>, nested "any JSON value").</summary>
internal sealed class GrammarRule(string name)
{
    public string Name { get; } = name;
    public Grammar Body { get; set; } = Grammar.Nothing;
}

/// <summary>A call of a rule; compiled as a push of the return point, so recursion costs no grammar growth.</summary>
internal sealed class RuleReferenceNode(GrammarRule rule) : Grammar
{
    public GrammarRule Rule { get; } = rule;

    internal override void AppendKey(StringBuilder builder) => builder.Append("ref:").Append(Rule.Name).Append(';');
}
