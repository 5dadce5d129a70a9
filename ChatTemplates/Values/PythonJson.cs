using System.Globalization;
using System.Text;

namespace Cluster.ChatTemplates.Values;

/// <summary>
/// Python's <c>json.dumps</c> as Hugging Face's <c>tojson</c> calls it (<c>ensure_ascii=False</c> by default): the same
/// separators, indentation, float repr and key handling, so rendered tool schemas match byte for byte.
/// </summary>
public static class PythonJson
{
    /// <summary>Options of <c>json.dumps</c>.</summary>
    /// <param name="Indent">Null for single-line output; otherwise the string repeated per nesting level.</param>
    /// <param name="ItemSeparator">Between items; Python defaults to <c>", "</c>, or <c>","</c> when indenting.</param>
    /// <param name="KeySeparator">Between a key and its value; <c>": "</c> by default.</param>
    /// <param name="SortKeys">Sort object keys.</param>
    /// <param name="EnsureAscii">Escape every non-ASCII character as <c>\uXXXX</c>.</param>
    public sealed record Options(string? Indent, string ItemSeparator, string KeySeparator, bool SortKeys, bool EnsureAscii)
    {
        /// <summary>Hugging Face's <c>tojson</c> defaults.</summary>
        public static Options Default { get; } = new(null, ", ", ": ", false, false);
    }

    /// <summary>Serializes <paramref name="value"/>; throws a <c>TypeError</c> for values JSON cannot hold.</summary>
    public static string Dumps(object? value, Options options)
    {
        var sb = StringBuilderCache.Acquire();
        Write(sb, value, options, 0);
        return StringBuilderCache.GetStringAndRelease(sb);
    }

    private static void Write(StringBuilder sb, object? value, Options o, int depth)
    {
        switch (value)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l); break;
            case System.Numerics.BigInteger big: sb.Append(big.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FloatJson(d)); break;
            case string s: WriteString(sb, s, o.EnsureAscii); break;
            case Markup m: WriteString(sb, m.Text, o.EnsureAscii); break;
            case List<object?> list: WriteArray(sb, list, o, depth); break;
            case PyTuple tuple: WriteArray(sb, tuple, o, depth); break;
            case PyDict dict: WriteObject(sb, dict, o, depth); break;
            default:
                throw new TemplateException("TypeError", $"Object of type {PythonFormatting.TypeName(value)} is not JSON serializable");
        }
    }

    private static string FloatJson(double d) =>
        double.IsNaN(d) ? "NaN" : double.IsPositiveInfinity(d) ? "Infinity" : double.IsNegativeInfinity(d) ? "-Infinity" : PythonFormatting.FloatRepr(d);

    private static void NewLine(StringBuilder sb, Options o, int depth)
    {
        sb.Append('\n');
        for (var i = 0; i < depth; i++) sb.Append(o.Indent);
    }

    private static void WriteArray(StringBuilder sb, IReadOnlyList<object?> items, Options o, int depth)
    {
        if (items.Count == 0) { sb.Append("[]"); return; }
        sb.Append('[');
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0) sb.Append(o.ItemSeparator);
            if (o.Indent is not null) NewLine(sb, o, depth + 1);
            Write(sb, items[i], o, depth + 1);
        }
        if (o.Indent is not null) NewLine(sb, o, depth);
        sb.Append(']');
    }

    private static void WriteObject(StringBuilder sb, PyDict dict, Options o, int depth)
    {
        if (dict.Count == 0) { sb.Append("{}"); return; }
        IEnumerable<KeyValuePair<object, object?>> entries = dict;
        if (o.SortKeys) entries = dict.OrderBy(kv => kv.Key, PythonOperators.OrderComparer);
        sb.Append('{');
        var first = true;
        foreach (var kv in entries)
        {
            if (!first) sb.Append(o.ItemSeparator);
            first = false;
            if (o.Indent is not null) NewLine(sb, o, depth + 1);
            WriteString(sb, KeyString(kv.Key), o.EnsureAscii);
            sb.Append(o.KeySeparator);
            Write(sb, kv.Value, o, depth + 1);
        }
        if (o.Indent is not null) NewLine(sb, o, depth);
        sb.Append('}');
    }

    private static string KeyString(object key) => key switch
    {
        string s => s,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FloatJson(d),
        _ => throw new TemplateException("TypeError", $"keys must be str, int, float, bool or None, not {PythonFormatting.TypeName(key)}"),
    };

    /// <summary>Writes a JSON string literal the way Python's encoder does.</summary>
    public static void WriteString(StringBuilder sb, string s, bool ensureAscii)
    {
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || (ensureAscii && c > 0x7e))
                        sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
