using System.Text;

namespace Cluster.Parsers.Engine;

/// <summary>JSON string escaping for text we convert (XML values, Python literals) into argument JSON.</summary>
internal static class JsonText
{
    /// <summary>Appends <paramref name="c"/> as it must appear inside a JSON string. Non-ASCII text stays as is.</summary>
    public static void AppendEscaped(StringBuilder sb, char c)
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
                if (c < 0x20)
                {
                    sb.Append("\\u").Append(((int)c).ToString("x4"));
                }
                else
                {
                    sb.Append(c);
                }
                break;
        }
    }

    private static readonly string[] Escapes = Enumerable.Range(0, 0x5D).Select(i => Escape((char)i)).ToArray();

    /// <summary>True when <paramref name="c"/> must be escaped inside a JSON string.</summary>
    public static bool NeedsEscape(char c) => c is '"' or '\\' or < ' ';

    /// <summary>The escape sequence for a character that <see cref="NeedsEscape"/> (cached: no allocation per call).</summary>
    public static string EscapeSequence(char c) => Escapes[c];

    private static string Escape(char c)
    {
        var sb = new StringBuilder(6);
        AppendEscaped(sb, c);
        return sb.ToString();
    }

    /// <summary>Appends <paramref name="text"/> as a quoted JSON string.</summary>
    public static void AppendQuoted(StringBuilder sb, ReadOnlySpan<char> text)
    {
        sb.Append('"');
        foreach (var c in text)
        {
            AppendEscaped(sb, c);
        }
        sb.Append('"');
    }

    /// <summary>True for the whitespace JSON and the formats' separators allow between tokens.</summary>
    public static bool IsWhitespace(char c) => c is ' ' or '\n' or '\r' or '\t';
}
